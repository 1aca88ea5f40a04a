import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { MailerError, type Attachment } from '../index';
import type { AttachmentInput } from './store-types';

/** Attachments are stored in chunks of at most this size, so copying one in needs no more memory than that. */
export const CHUNK_BYTES = 256 * 1024;

async function* slices(bytes: Buffer): AsyncIterable<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) yield bytes.subarray(offset, offset + CHUNK_BYTES);
}

async function* rechunk(source: AsyncIterable<unknown>, field: string): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : undefined;
    if (!bytes) throw new MailerError({ code: 'MESSAGE_INVALID', message: `${field} is a stream that yielded something other than bytes.`, fix: `Give ${field} as a stream of Buffers or strings.` });
    pending.push(bytes);
    size += bytes.length;
    while (size >= CHUNK_BYTES) {
      const all = Buffer.concat(pending, size);
      yield Buffer.from(all.subarray(0, CHUNK_BYTES));
      pending = [all.subarray(CHUNK_BYTES)];
      size -= CHUNK_BYTES;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

async function* readFile(path: string, field: string): AsyncIterable<Buffer> {
  try {
    yield* rechunk(createReadStream(path, { highWaterMark: CHUNK_BYTES }), field);
  } catch (err) {
    if (err instanceof MailerError) throw err;
    throw new MailerError({
      code: 'MESSAGE_INVALID',
      message: `${field} could not be read: ${(err as Error).message}`,
      fix: `Check that ${field} names an existing file that this process can read.`,
      cause: err,
    });
  }
}

/**
 * The attachments of a message as chunk sources for a store: bytes given in memory are sliced; a `path` is
 * copied from the file (the caller may delete it once the enqueue resolves); a stream is read as it arrives.
 */
export function attachmentInputs(attachments: readonly Attachment[] | undefined): AttachmentInput[] {
  return (attachments ?? []).map((a, i) => {
    const field = `attachments[${i}]`;
    const filename = a.filename ?? basename(a.path ?? '');
    const meta = { filename, ...(a.contentType !== undefined ? { contentType: a.contentType } : {}), ...(a.cid !== undefined ? { cid: a.cid } : {}) };
    const content = a.content;
    if (content === undefined || content === null) return { meta, chunks: readFile(a.path as string, `${field}.path`) };
    if (typeof content === 'string') return { meta, chunks: slices(Buffer.from(content, 'utf8')) };
    if (content instanceof Uint8Array) return { meta, chunks: slices(Buffer.from(content.buffer, content.byteOffset, content.byteLength)) };
    const stream = content instanceof Readable ? content : new Readable().wrap(content as NodeJS.ReadableStream);
    return { meta, chunks: rechunk(stream, `${field}.content`) };
  });
}
