import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer, type MailMessage } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';

// Any nodemailer-shaped message either arrives with its parts intact (through the real mailer, HTTPS and the
// emulator's parser, on whichever route it takes) or is refused with MESSAGE_INVALID naming one of its fields,
// before anything is sent. It never passes with a part missing.

let emulator: Emulator;
let mailer: O365OAuthMailer;

beforeAll(async () => {
  emulator = await startEmulator();
  mailer = new O365OAuthMailer(emulator.mailerConfig());
});
afterAll(async () => {
  await mailer.close();
  await emulator.close();
});

/** Text as people write it: any Unicode graphemes, lines separated by \n (MIME normalises line ends). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\r/g, ''));
const html = fc.string({ unit: 'grapheme', maxLength: 40 }).map((t) => `<p>${t.replace(/[\r<&]/g, '')}</p>`);
const local = fc.stringMatching(/^[a-z][a-z0-9.]{0,8}[a-z0-9]$/).filter((s) => !s.includes('..'));
const address = local.map((l) => `${l}@contoso.com`);
/** Mostly valid values, sometimes one the library must refuse. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 40 }, { arbitrary: invalid, weight: 1 });
const headerName = mostly(
  fc.oneof(fc.stringMatching(/^X-[A-Za-z][A-Za-z0-9-]{0,10}$/), fc.constantFrom('Auto-Submitted', 'Precedence', 'Keywords')),
  fc.constantFrom('Subject', 'Bcc', 'Content-Type', 'Bad Name', 'X-Ä', ''),
);
const headerValue = mostly(fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.trim().replace(/\s+/g, ' ')), fc.constantFrom('a\r\nBcc: evil@x.com', 'tab\there'));
const fileName = mostly(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}\.(txt|bin|pdf)$/), fc.constantFrom('../etc/passwd', 'a\nb.txt', ''));
const attachmentSpec = fc.oneof(
  { arbitrary: fc.record({ filename: fileName, content: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) }), weight: 6 },
  { arbitrary: fc.record({ filename: fileName, content: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')), encoding: mostly(fc.constant('base64'), fc.constant('base65')) }), weight: 6 },
  { arbitrary: fc.record({ filename: fileName, content: fc.constant('x'), href: fc.constant('http://169.254.169.254/') }), weight: 1 },
);

const messageArb = fc.record(
  {
    to: fc.array(mostly(address, fc.constant('not-an-address')), { minLength: 1, maxLength: 3 }),
    cc: fc.array(address, { maxLength: 2 }),
    subject: mostly(text, fc.constant('tab\there')),
    body: fc.oneof(fc.record({ text }), fc.record({ html }), fc.record({ text, html })),
    priority: mostly(fc.constantFrom('high', 'normal', 'low'), fc.constant('urgent')),
    messageId: mostly(local.map((l) => `<${l}@shop.example>`), fc.constant('not an id')),
    inReplyTo: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: local.map((l) => `<${l}@shop.example>`), weight: 1 }),
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
    attachments: fc.array(attachmentSpec, { maxLength: 3 }),
    watchHtml: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: mostly(html, fc.constant(42)), weight: 1 }),
    textEncoding: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: mostly(fc.constantFrom('quoted-printable', 'base64'), fc.constant('qp')), weight: 1 }),
    typo: mostly(fc.constant(null), fc.constantFrom('attachment', 'replyto', 'envelope', 'dsn', 'otp', 'newline', 'maxRecipients', 'encoding', 'watchHTML')),
  },
  { requiredKeys: ['to'] },
);

function toMessage(g: Record<string, unknown>): Record<string, unknown> {
  const { typo, body, inReplyTo, ...others } = g;
  const rest = { ...others, ...(body as object | undefined), ...(inReplyTo === undefined ? {} : { inReplyTo }) };
  return typo === undefined || typo === null ? rest : { ...rest, [typo as string]: typo === 'envelope' ? { to: ['x@contoso.com'] } : 'x' };
}

/** The field a MESSAGE_INVALID error names, reduced to the message's own key (`attachments[1].filename` → `attachments`). */
function namedRoot(message: string): string {
  return /^[A-Za-z]+/.exec(message)?.[0] ?? '';
}

const foldSubject = (s: string) => s.replace(/[ \t]*(?:\r\n|\r|\n)[ \t\r\n]*/g, ' ');

describe('property: intact or MESSAGE_INVALID naming the field', () => {
  it('holds for generated nodemailer messages on every route they take', async () => {
    const outcomes = { json: 0, mime: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(messageArb, async (generated) => {
        const message = toMessage(generated as Record<string, unknown>);
        const before = emulator.messages.length;
        let result: Awaited<ReturnType<O365OAuthMailer['send']>>;
        try {
          result = await mailer.send(message as MailMessage);
        } catch (err) {
          expect(err).toBeInstanceOf(MailerError);
          expect((err as MailerError).code).toBe('MESSAGE_INVALID');
          const root = namedRoot((err as MailerError).message);
          expect(root === 'to' || Object.keys(message).includes(root), `${(err as MailerError).message} names a field of ${Object.keys(message)}`).toBe(true);
          expect(emulator.messages.length).toBe(before);
          outcomes.refused++;
          return;
        }
        outcomes[result.format]++;
        const m = emulator.messages[emulator.messages.length - 1]!;
        expect(emulator.messages.length).toBe(before + 1);
        expect(m.messageId).toBe(result.messageId);
        if (typeof message.messageId === 'string') expect(m.messageId).toBe(message.messageId);
        const to = message.to as string[];
        expect(m.to.map((a) => a.address)).toEqual(to);
        expect(m.cc.map((a) => a.address)).toEqual((message.cc as string[] | undefined) ?? []);
        const subject = foldSubject((message.subject as string | undefined) ?? '');
        expect([subject, subject.trim()]).toContain(m.subject);
        const sameBody = (got: string | undefined, want: unknown) => {
          if (typeof want !== 'string') return;
          // A single-part MIME body ends with the line break nodemailer writes after it; an empty part reads as none.
          expect([want, `${want}\n`, ...(want === '' ? [undefined] : [])]).toContain(got);
        };
        sameBody(m.text, message.text);
        sameBody(m.html, message.html);
        if (typeof message.watchHtml === 'string') {
          const watch = m.alternatives?.find((a) => a.contentType === 'text/watch-html')?.content;
          // Alone, it is the single part and ends with the line break nodemailer writes after it (CRLF, kept as is).
          expect([message.watchHtml, `${message.watchHtml}\n`, `${message.watchHtml}\r\n`]).toContain(watch);
        }
        if (message.priority && message.priority !== 'normal') expect(m.importance).toBe(message.priority);
        if (message.inReplyTo) expect(m.inReplyTo).toBe(message.inReplyTo);
        for (const [name, value] of Object.entries((message.headers as Record<string, string> | undefined) ?? {})) {
          expect(m.headers.some((h) => h.name.toLowerCase() === name.toLowerCase() && h.value === value), `header ${name}: ${value}`).toBe(true);
        }
        const specs = (message.attachments as Array<{ filename: string; content: string | Buffer; encoding?: string }> | undefined) ?? [];
        expect(m.attachments.map((a) => a.name).sort()).toEqual(specs.map((s) => s.filename).sort());
        for (const s of specs) {
          const bytes = typeof s.content === 'string' ? Buffer.from(s.content, (s.encoding ?? 'utf8') as BufferEncoding) : s.content;
          expect(m.attachments.find((a) => a.name === s.filename && a.content.equals(bytes)), `attachment ${s.filename}`).toBeDefined();
        }
        expect(result.format).toBe(m.format);
      }),
      { numRuns: 100 },
    );
    // The property is only worth something if both formats were exercised, and refusals too.
    expect(outcomes.json).toBeGreaterThan(3);
    expect(outcomes.mime).toBeGreaterThan(3);
    expect(outcomes.refused).toBeGreaterThan(3);
  }, 120_000);
});
