/**
 * A nodemailer transport that sends through Microsoft Graph: existing nodemailer code switches from SMTP by
 * changing the transport.
 *
 * @example
 * ```ts
 * import nodemailer from 'nodemailer'
 * import { createGraphTransport } from 'o365-oauth-mailer/nodemailer'
 * const transporter = nodemailer.createTransport(createGraphTransport({ authType: 'oauth2', tenantId, clientId, clientSecret, sender }))
 * const info = await transporter.sendMail({ from: sender, to: 'qa@contoso.com', subject: 'Hi', text: 'plain', html: '<p>rich</p>' })
 * console.log(info.messageId)
 * ```
 *
 * @packageDocumentation
 */
import type { Readable } from 'node:stream';
import type { O365OAuthMailerConfig } from '../config/types';
import { MailerError } from '../errors/mailer-error';
import { O365OAuthMailer } from '../mailer';
import { REFUSED_MESSAGE_FIELDS } from '../message/fields';
import { SEND_PREPARED_MIME } from '../message/prepared-mime';
import type { SendResult } from '../message/types';
import { invalid } from '../message/validation';
import { prepareCompiled, type CompiledNode } from './compiled-message';
import { transportError } from './transport-error';
import { version as PACKAGE_VERSION } from '../../package.json';

export type { TransportError, TransportErrorFields } from './transport-error';

/** The part of nodemailer's `MailMessage` the transport reads: the compiled message and its data. */
export interface NodemailerMail {
  /** The message fields as given to `sendMail` (after `compile` plugins). */
  data: object;
  /** The message nodemailer compiled (MimeNode). */
  message: NodemailerCompiledMessage;
}

/** The parts of nodemailer's compiled message (MimeNode) the transport uses. */
export interface NodemailerCompiledMessage {
  /** Keep the Bcc header in the MIME (the transport sets it: Graph delivers to Bcc and removes the header). */
  keepBcc: boolean;
  /** The RFC 822 message, as sent. */
  createReadStream(): Readable;
  /** The SMTP envelope nodemailer computed from the headers. */
  getEnvelope(): NodemailerEnvelope;
  /** The Message-ID header, angle brackets included. */
  messageId(): string;
}

/** An SMTP-style envelope, as nodemailer reports it. */
export interface NodemailerEnvelope {
  /** The sender address, or `false` when there is none. */
  from: string | false;
  /** Every recipient address (To, Cc and Bcc). */
  to: string[];
}

/** What `transporter.sendMail()` resolves to: nodemailer's info shape, plus the library's result. */
export interface GraphSentMessageInfo {
  /** The Message-ID header the recipient sees, angle brackets included. */
  messageId: string;
  /** The SMTP-style envelope nodemailer computed from the headers (Graph itself takes recipients from the message). */
  envelope: NodemailerEnvelope;
  /** Every recipient Graph accepted (To, Cc and Bcc). */
  accepted: string[];
  /** Always empty: Graph accepts or refuses a message whole; a bad recipient is a `MESSAGE_INVALID` error. */
  rejected: string[];
  /** Always empty. */
  pending: string[];
  /** A one-line summary, e.g. `202 Accepted (Microsoft Graph sendMail, request-id …)`. */
  response: string;
  /** The library's own result: `route`, `format`, `requestId`, `attempts`. */
  result: SendResult;
}

/** A nodemailer transport object; pass it to `nodemailer.createTransport()`. */
export interface GraphTransport {
  /** The transport's name, as nodemailer reports it. */
  readonly name: 'o365-oauth-mailer';
  /** The package's version. */
  readonly version: string;
  /** nodemailer may cancel through `mail.data.signal`: the send then rejects with `ABORTED`. */
  readonly supportsAbortSignal: true;
  /** The mailer that sends. */
  readonly graphMailer: O365OAuthMailer;
  /** Sends the message nodemailer compiled (plugins applied) as MIME through Graph; over about 3 MB through a draft with upload sessions. */
  send(mail: NodemailerMail, callback: (err: Error | null, info?: GraphSentMessageInfo) => void): void;
  /**
   * Runs the mailer's `verify()`: resolves `true`, or rejects with the `MailerError` of the first failing check
   * (with its `code`, `step` and `fix`). With a callback, calls it instead.
   */
  verify(callback?: (err: Error | null, success?: true) => void): Promise<true> | undefined;
  /** Closes the mailer's connections when the transport created the mailer (not when you passed your own). */
  close(): void;
}

/**
 * Fields of nodemailer's message that Graph cannot carry, refused as `send()` refuses them. Other fields are left to
 * nodemailer and its plugins (a template plugin's `template` and `context`, for example), as with SMTP.
 */
const REFUSED = ['envelope', 'dsn', 'amp', 'dkim'] as const;

/**
 * Creates a nodemailer transport that sends through Microsoft Graph with the library's mailer: give the mailer's
 * config (the transport then owns a new mailer) or an existing `O365OAuthMailer`.
 *
 * `transporter.sendMail(mail)` resolves to `{ messageId, envelope, accepted, rejected, pending, response }`; it
 * sends the message nodemailer compiled, so `compile` and `stream` plugins and templates apply. Errors are
 * `MailerError`s (`code`, `step`, `fix`) with nodemailer's `responseCode`, `command` and `permanent` added.
 * `envelope`, `dsn`, `amp` and `dkim` are refused: Graph cannot carry them.
 * A compiled message up to about 3 MB goes as one MIME `sendMail`; a larger one (needs Mail.ReadWrite) goes as a
 * draft created from the compiled MIME without its largest plain attachments, which are streamed through upload
 * sessions (files are never read whole, streams over 3 MiB are spooled to a 0600 temp file), then `/send`.
 *
 * @throws MailerError `CONFIG_INVALID` when the config is invalid.
 */
export function createGraphTransport(configOrMailer: O365OAuthMailerConfig | O365OAuthMailer): GraphTransport {
  // Duck-typed, not instanceof: the ESM and CommonJS builds each have their own copy of the class.
  const given = configOrMailer as Partial<O365OAuthMailer>;
  const owned = !(typeof given.send === 'function' && typeof given.verify === 'function');
  const mailer = owned ? new O365OAuthMailer(configOrMailer as O365OAuthMailerConfig) : (configOrMailer as O365OAuthMailer);
  const transport: GraphTransport = {
    name: 'o365-oauth-mailer',
    version: PACKAGE_VERSION,
    supportsAbortSignal: true,
    graphMailer: mailer,
    send(mail, callback) {
      void (async () => {
        const data = mail.data as Record<string, unknown>;
        for (const field of REFUSED) {
          const refused = REFUSED_MESSAGE_FIELDS[field];
          if (data[field] !== undefined && data[field] !== null && data[field] !== false && refused) {
            throw invalid(field, refused.why, `${refused.fix} See docs/coming-from-nodemailer.md.`);
          }
        }
        const signal = data['signal'] instanceof AbortSignal ? (data['signal'] as AbortSignal) : undefined;
        const compiled = mail.message as unknown as CompiledNode;
        const result = await mailer[SEND_PREPARED_MIME]((context) => prepareCompiled(compiled, context), signal ? { signal } : {});
        const computed = mail.message.getEnvelope();
        // A raw message's recipients come from its own headers, which nodemailer does not read.
        const envelope = compiled._raw ? { from: computed.from, to: result.accepted } : computed;
        return {
          messageId: result.messageId,
          envelope,
          accepted: result.accepted,
          rejected: [],
          pending: [],
          response: `202 Accepted (Microsoft Graph ${result.route === 'draft' ? 'draft /send' : 'sendMail'}${result.requestId ? `, request-id ${result.requestId}` : ''})`,
          result,
        } satisfies GraphSentMessageInfo;
      })().then(
        (info) => callback(null, info),
        (err: unknown) => callback(transportError(err)),
      );
    },
    verify(callback) {
      const promise = mailer.verify().then((report) => {
        const failed = report.checks.find((c) => c.status === 'fail');
        if (failed) {
          throw new MailerError({
            code: failed.code ?? 'UNKNOWN',
            message: failed.message,
            ...(failed.step !== undefined ? { step: failed.step } : {}),
            ...(failed.fix !== undefined ? { fix: failed.fix } : {}),
          });
        }
        return true as const;
      }).catch((err: unknown) => {
        throw transportError(err);
      });
      if (!callback) return promise;
      promise.then(
        (ok) => callback(null, ok),
        (err: unknown) => callback(err as Error),
      );
      return undefined;
    },
    close() {
      if (owned) void mailer.close();
    },
  };
  return transport;
}
