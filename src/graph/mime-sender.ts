import { MailerError } from '../errors/mailer-error';
import type { MimeComposer, MimeInput } from '../message/mime-composer';
import { estimateMimeBytes, MAX_MIME_BYTES, mimeAttachmentBytes } from '../message/mime-size';
import type { NormalizedAttachment } from '../message/normalized';
import { sendViaDraft, type RouteContext } from './draft-sender';
import type { GraphOutcome } from './graph-runner';

/** What sending a MIME message needs. */
export interface MimeSendOptions extends RouteContext {
  composer: MimeComposer;
  /** The message to compose (attachments resolved). */
  input: Omit<MimeInput, 'omit'>;
  clientRequestId: string;
  /** Whether the app may create drafts (Mail.ReadWrite), asked only for a message over the MIME request limit. */
  mayUseDrafts: () => Promise<boolean>;
}

/** An attachment that can leave the MIME and be uploaded to the draft: no raw part, no own headers or disposition. */
function movable(input: MimeSendOptions['input'], i: number): boolean {
  const spec = input.message.attachments?.[i];
  return spec !== undefined && (spec.raw === undefined || spec.raw === null) && spec.headers === undefined && spec.contentDisposition === undefined;
}

export function tooLarge(message: string): MailerError {
  return new MailerError({
    code: 'ATTACHMENT_TOO_LARGE',
    message,
    fix: 'Send large files as plain attachments (content or path, without headers, raw or contentDisposition) so they can be uploaded separately, and grant the app Mail.ReadWrite (steps 2 and 3).',
  });
}

/**
 * The MIME route. A message whose MIME fits one request (about 3 MB, {@link MAX_MIME_BYTES}) goes as one
 * `sendMail` with `Content-Type: text/plain` and the message in base64. A larger one (needs Mail.ReadWrite)
 * becomes a draft created from MIME without its largest plain attachments, which are then attached or streamed
 * through upload sessions, and the draft is sent, with the draft route's exactly-once and clean-up rules.
 */
export async function sendMime(o: MimeSendOptions): Promise<{ outcome: GraphOutcome; route: 'sendMail' | 'draft' }> {
  const { input } = o;
  const omit = new Set<number>();
  let estimate = estimateMimeBytes(input.message, input.attachments);
  if (estimate > MAX_MIME_BYTES) {
    const candidates = input.attachments
      .map((a, i) => ({ a, i }))
      .filter(({ i }) => movable(input, i))
      .sort((x, y) => y.a.size - x.a.size);
    for (const { a, i } of candidates) {
      if (estimate <= MAX_MIME_BYTES) break;
      omit.add(i);
      estimate -= mimeAttachmentBytes(a.size);
    }
    if (estimate > MAX_MIME_BYTES) {
      throw tooLarge(
        `The message needs MIME, and the parts that must stay in it (bodies, raw parts, attachments with their own headers or disposition) come to about ${(estimate / 1024 / 1024).toFixed(1)} MiB; Microsoft Graph takes at most about 3 MB of MIME in one request. Nothing was sent.`,
      );
    }
    await requireDrafts(o.mayUseDrafts, input.attachments);
  }
  const mime = await o.composer.compose({ ...input, omit });
  if (mime.length > MAX_MIME_BYTES) {
    throw tooLarge(`The message's MIME is ${mime.length} bytes; Microsoft Graph takes at most about 3 MB of MIME in one request. Nothing was sent.`);
  }
  const separate: NormalizedAttachment[] = [...omit].sort((a, b) => a - b).map((i) => input.attachments[i] as NormalizedAttachment);
  return deliverMime(o, mime, separate, input.messageId);
}

/**
 * Refuses, before anything is sent, a message that needs the draft route when the app may not create drafts.
 *
 * @throws MailerError `ATTACHMENT_TOO_LARGE` (step 2) without Mail.ReadWrite.
 */
export async function requireDrafts(mayUseDrafts: () => Promise<boolean>, attachments: readonly Pick<NormalizedAttachment, 'size'>[]): Promise<void> {
  if (await mayUseDrafts()) return;
  const bytes = attachments.reduce((sum, a) => sum + a.size, 0);
  throw new MailerError({
    code: 'ATTACHMENT_TOO_LARGE',
    message: `The message with ${attachments.length} attachment(s) of ${(bytes / 1024 / 1024).toFixed(1)} MiB is over Microsoft Graph's 4 MB request limit, and the app has no Mail.ReadWrite permission for the large-attachment route. Nothing was sent.`,
    step: 2,
    fix: 'Grant the app the Microsoft Graph application permission Mail.ReadWrite as well (steps 2 and 3) to send attachments up to 150 MB, or send smaller files.',
  });
}

/** What {@link deliverMime} needs: {@link MimeSendOptions} without the message. */
export type MimeDeliveryOptions = Omit<MimeSendOptions, 'composer' | 'input' | 'mayUseDrafts'>;

/**
 * Sends a built MIME message (at most {@link MAX_MIME_BYTES}): as one `sendMail` when `separate` is empty, else as a
 * draft created from it, to which the `separate` attachments are added (streamed through upload sessions when
 * large) before `/send`, with the draft route's exactly-once and clean-up rules (`messageId`, the one in `mime`,
 * finds the draft when its creation got no clear answer). The caller has checked that the app may create drafts
 * ({@link requireDrafts}).
 */
export async function deliverMime(
  o: MimeDeliveryOptions,
  mime: Buffer,
  separate: readonly NormalizedAttachment[],
  messageId: string,
): Promise<{ outcome: GraphOutcome; route: 'sendMail' | 'draft' }> {
  const body = mime.toString('base64');
  const signal = o.signal ? { signal: o.signal } : {};
  if (separate.length === 0) {
    const outcome = await o.runner.run({
      method: 'POST',
      path: `${o.userPath}/sendMail`,
      mime: body,
      clientRequestId: o.clientRequestId,
      couldDeliver: true,
      doing: 'sending the mail',
      ...signal,
    });
    return { outcome, route: 'sendMail' };
  }
  const outcome = await sendViaDraft({
    runner: o.runner,
    http: o.http,
    policy: o.policy,
    logger: o.logger,
    secrets: o.secrets,
    userPath: o.userPath,
    mime: body,
    messageId,
    attachments: separate,
    clientRequestId: o.clientRequestId,
    ...signal,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  return { outcome, route: 'draft' };
}
