/**
 * Helpers for testing your own code against o365-oauth-mailer without reaching Microsoft: a real mailer talking
 * HTTPS to an in-process emulator of Entra ID and Graph, plus accessors and assertions for what it captured.
 *
 * @example
 * ```ts
 * import { createTestMailer } from 'o365-oauth-mailer/testing'
 * const t = await createTestMailer()
 * await sendLabReport(t.mailer)               // your code
 * t.expectSent({ to: 'qa@contoso.com', subject: /report/i, attachments: ['report.pdf'] })
 * await t.close()
 * ```
 *
 * @packageDocumentation
 */
import { O365OAuthMailer } from '../mailer';
import type { O365OAuthMailerConfig } from '../config/types';
import { startEmulator } from '../emulator/start-emulator';
import type { Emulator, EmulatorMessage, EmulatorOptions } from '../emulator/types';

export type { Emulator, EmulatorMessage, EmulatorOptions } from '../emulator/types';
export { createTestOutbox, type TestOutbox, type TestOutboxOptions } from './test-outbox';

/** Options of {@link createTestMailer}. */
export interface TestMailerOptions {
  /** How the emulator is set up (tenants, apps, roles, mailboxes). @default one consented app and one mailbox */
  emulator?: EmulatorOptions;
  /** Overrides of the mailer's configuration (e.g. `retry`, `timeoutMs`, `logger`). */
  mailer?: Partial<O365OAuthMailerConfig>;
}

/** What a captured message must match. Strings match exactly (addresses case-insensitively); RegExps search. */
export interface SentCriteria {
  /** One recipient among to, cc and bcc. */
  to?: string;
  /** The subject: equal to a string, or matching a RegExp. */
  subject?: string | RegExp;
  /** Searches the text and HTML bodies (both, for a MIME message with both). */
  body?: string | RegExp;
  /** The Message-ID, angle brackets included: `SendResult.messageId`. */
  messageId?: string;
  /** File names that must all be attached. */
  attachments?: string[];
}

/**
 * A mailer wired to its own emulator. Captured messages ({@link EmulatorMessage}) expose `text`, `html`,
 * `headers`, `messageId`, `attachments` (decoded), `calendar`, `alternatives` and, for MIME, the `mime` source,
 * whichever route (JSON or MIME, sendMail or draft) the message took.
 */
export interface TestMailer {
  /** A real mailer: msal-node, the Graph client and HTTPS, pointed at the emulator. */
  readonly mailer: O365OAuthMailer;
  /** The emulator: faults, grants, mailboxes, request log. */
  readonly emulator: Emulator;
  /** Messages captured so far, oldest first. */
  messages(): readonly EmulatorMessage[];
  /** The newest captured message, or `undefined`. */
  lastMessage(): EmulatorMessage | undefined;
  /** Captured messages matching `criteria`. */
  findMessages(criteria: SentCriteria): EmulatorMessage[];
  /**
   * Asserts that exactly `count` captured messages (default: at least one) match `criteria`, and returns them.
   * Throws an Error listing what was captured otherwise, so it works with any test framework.
   */
  expectSent(criteria: SentCriteria, count?: number): EmulatorMessage[];
  /** Asserts that nothing was captured. */
  expectNothingSent(): void;
  /** Forgets captured messages, faults and counters. */
  reset(): void;
  /** Stops the emulator and closes the mailer's connections. */
  close(): Promise<void>;
}

function matches(value: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? value === expected : expected.test(value);
}

/** True when `message` matches every given criterion. */
export function messageMatches(message: EmulatorMessage, criteria: SentCriteria): boolean {
  if (criteria.to !== undefined) {
    const want = criteria.to.toLowerCase();
    const all = [...message.to, ...message.cc, ...message.bcc].map((a) => a.address.toLowerCase());
    if (!all.includes(want)) return false;
  }
  if (criteria.subject !== undefined && !matches(message.subject, criteria.subject)) return false;
  if (criteria.body !== undefined) {
    const body = criteria.body;
    const contents = [message.body.content, message.text, message.html].filter((c): c is string => typeof c === 'string');
    if (!contents.some((c) => (typeof body === 'string' ? c.includes(body) : body.test(c)))) return false;
  }
  if (criteria.messageId !== undefined && message.messageId !== criteria.messageId) return false;
  if (criteria.attachments !== undefined) {
    const names = message.attachments.map((a) => a.name);
    if (!criteria.attachments.every((n) => names.includes(n))) return false;
  }
  return true;
}

function describeMessages(messages: readonly EmulatorMessage[]): string {
  if (messages.length === 0) return 'Nothing was captured.';
  return `Captured:\n${messages
    .map((m, i) => `  ${i + 1}. to ${[...m.to, ...m.cc, ...m.bcc].map((a) => a.address).join(', ')} — ${JSON.stringify(m.subject)}${m.attachments.length ? ` [${m.attachments.map((a) => a.name).join(', ')}]` : ''}`)
    .join('\n')}`;
}

/**
 * Starts an emulator and a mailer configured for it. Close it when done. Needs mailparser, an optional peer
 * dependency (`npm install --save-dev mailparser`); without it this rejects with `CONFIG_INVALID` saying so.
 */
export async function createTestMailer(options: TestMailerOptions = {}): Promise<TestMailer> {
  const emulator = await startEmulator(options.emulator ?? {});
  const mailer = new O365OAuthMailer(emulator.mailerConfig(options.mailer ?? {}));
  const findMessages = (criteria: SentCriteria) => emulator.messages.filter((m) => messageMatches(m, criteria));
  return {
    mailer,
    emulator,
    messages: () => emulator.messages,
    lastMessage: () => emulator.messages[emulator.messages.length - 1],
    findMessages,
    expectSent(criteria, count) {
      const found = findMessages(criteria);
      const ok = count === undefined ? found.length > 0 : found.length === count;
      if (!ok) {
        throw new Error(`Expected ${count ?? 'at least 1'} message(s) matching ${JSON.stringify(criteria, (_k, v: unknown) => (v instanceof RegExp ? String(v) : v))}, found ${found.length}. ${describeMessages(emulator.messages)}`);
      }
      return found;
    },
    expectNothingSent() {
      if (emulator.messages.length > 0) throw new Error(`Expected no message. ${describeMessages(emulator.messages)}`);
    },
    reset: () => emulator.reset(),
    async close() {
      await mailer.close();
      await emulator.close();
    },
  };
}
