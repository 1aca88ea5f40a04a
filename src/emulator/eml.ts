import type { EmulatorMessage } from './types';

/**
 * The RFC 822 source of a captured message, for the mailbox page's Raw and Headers tabs and its .eml download:
 * a MIME message as received; a JSON message written out by nodemailer (loaded on first use) the way Exchange
 * would deliver it. One per emulator.
 */
type NodemailerModule = typeof import('nodemailer');

export class EmlWriter {
  #nodemailer: Promise<NodemailerModule> | undefined;
  readonly #cache = new WeakMap<EmulatorMessage, Promise<Buffer>>();

  /** The message's source (built once per message). */
  source(m: EmulatorMessage): Promise<Buffer> {
    if (m.mime) return Promise.resolve(m.mime);
    let built = this.#cache.get(m);
    if (!built) {
      built = this.#build(m);
      this.#cache.set(m, built);
    }
    return built;
  }

  async #build(m: EmulatorMessage): Promise<Buffer> {
    this.#nodemailer ??= import('nodemailer').then((mod) => ((mod as unknown as { default?: NodemailerModule }).default ?? mod) as NodemailerModule);
    const nodemailer = await this.#nodemailer;
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const info = (await transport.sendMail({
      from: m.from,
      ...(m.to.length ? { to: m.to } : {}),
      ...(m.cc.length ? { cc: m.cc } : {}),
      ...(m.bcc.length ? { bcc: m.bcc } : {}),
      ...(m.replyTo.length ? { replyTo: m.replyTo } : {}),
      subject: m.subject,
      messageId: m.messageId,
      date: m.receivedAt,
      xMailer: false,
      disableFileAccess: true,
      disableUrlAccess: true,
      ...(m.importance && m.importance !== 'normal' ? { priority: m.importance } : {}),
      ...(m.headers.length ? { headers: m.headers.map((h) => ({ key: h.name, value: h.value })) } : {}),
      ...(m.body.contentType === 'html' ? { html: m.body.content } : { text: m.body.content }),
      attachments: m.attachments.map((a) => ({
        filename: a.name,
        contentType: a.contentType,
        content: a.content,
        ...(a.contentId ? { cid: a.contentId } : {}),
        ...(a.isInline && !a.contentId ? { contentDisposition: 'inline' as const } : {}),
      })),
    })) as unknown as { message: Buffer };
    return info.message;
  }
}
