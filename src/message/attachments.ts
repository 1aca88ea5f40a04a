import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { MailerError } from '../errors/mailer-error';
import { validateAttachmentSpecs } from './attachment-specs';
import { guessContentType } from './content-type';
import type { NormalizedAttachment } from './normalized';
import { streamChunks } from './stream-chunks';
import { INLINE_ATTACHMENT_LIMIT_BYTES, MAX_ATTACHMENT_BYTES } from './size';
import type { Attachment } from './types';
import { describeValue, invalid } from './validation';
import { isNodeReadable, nodeFs, nodeStream } from '../runtime/node-builtins';

/** Options of {@link resolveAttachments}. */
export interface ResolveAttachmentsOptions {
  /** Aborts reading: the promise rejects with `ABORTED` and everything created so far is removed. */
  signal?: AbortSignal;
  /** Where large streams are spooled. @default os.tmpdir() */
  tmpDir?: string;
}

type Meta = Pick<NormalizedAttachment, 'name' | 'contentType' | 'isInline' | 'contentId'>;

/**
 * Resolves attachment specs into {@link NormalizedAttachment}s that know their exact size and can stream their
 * bytes on demand, as often as needed. The only part of message handling that does I/O.
 *
 * - `content` as a string is decoded with its `encoding` (UTF-8 by default, or base64, hex…); a Buffer or
 *   Uint8Array is kept in memory as given (not copied). A `raw` MIME part is kept as given, for the MIME route.
 * - `path` is `stat`ed (it must be a readable regular file) and never read whole unless `read()` is called;
 *   `open(start, end)` streams just that range. The file name defaults to the path's base name.
 * - `content` as a readable stream is read into memory while it stays within 3 MiB
 *   ({@link INLINE_ATTACHMENT_LIMIT_BYTES}); a longer stream is spooled, as it arrives and with backpressure, to a
 *   file of mode 0600 in a fresh `fs.mkdtemp` folder under `tmpDir`, and then behaves like `path`; `dispose()`
 *   deletes it. A stream longer than 150 MiB is stopped there with `ATTACHMENT_TOO_LARGE`.
 * - `contentType` defaults to {@link guessContentType} of the name; `cid` sets `isInline` and `contentId`.
 *
 * Specs are checked with {@link validateAttachmentSpecs} first. When anything fails, whatever was created
 * (temp files) is disposed before the promise rejects.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the field (`attachments[1].path` missing or not a file,
 *   `attachments[2].content` stream failed), `ATTACHMENT_TOO_LARGE`, `ABORTED` when `signal` aborts, or `UNKNOWN`
 *   when the temp folder cannot be written.
 */
export async function resolveAttachments(
  specs: Attachment[],
  opts: ResolveAttachmentsOptions = {},
): Promise<NormalizedAttachment[]> {
  validateAttachmentSpecs(specs);
  const { signal } = opts;
  const done: NormalizedAttachment[] = [];
  try {
    const list = specs ?? [];
    for (let i = 0; i < list.length; i++) {
      throwIfAborted(signal);
      done.push(await resolveOne(list[i] as Attachment, i, opts));
    }
    throwIfAborted(signal);
    return done;
  } catch (err) {
    await Promise.allSettled(done.map((a) => a.dispose()));
    if (signal?.aborted && !(err instanceof MailerError && err.code === 'ABORTED')) throw abortedError(signal);
    throw err;
  }
}

function abortedError(signal: AbortSignal): MailerError {
  return new MailerError({
    code: 'ABORTED',
    message: 'The send was aborted while its attachments were being read.',
    cause: signal.reason,
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

async function resolveOne(spec: Attachment, i: number, opts: ResolveAttachmentsOptions): Promise<NormalizedAttachment> {
  const f = `attachments[${i}]`;
  const { content, path } = spec;
  if (spec.raw !== undefined && spec.raw !== null) {
    // A prepared MIME part travels as is: it is only ever part of a MIME message, never uploaded on its own.
    const bytes = typeof spec.raw === 'string' ? Buffer.from(spec.raw, 'utf8') : toBuffer(spec.raw);
    return memoryAttachment({ name: `part-${i + 1}`, contentType: 'application/octet-stream', isInline: false }, bytes);
  }
  const name = spec.filename ?? basename(path as string);
  const meta: Meta = {
    name,
    contentType: spec.contentType ?? guessContentType(name),
    isInline: spec.cid !== undefined && spec.cid !== null,
  };
  if (meta.isInline) meta.contentId = spec.cid as string;

  if (content === undefined || content === null) return fromPath(path as string, meta, f, opts);
  if (typeof content === 'string') return memoryAttachment(meta, Buffer.from(content, (spec.encoding ?? 'utf8') as BufferEncoding));
  if (content instanceof Uint8Array) return memoryAttachment(meta, toBuffer(content));
  return fromStream(content, meta, f, opts);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkRange(start: number, end: number, size: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > size) {
    throw new RangeError(`Attachment range [${start}, ${end}) is outside [0, ${size}].`);
  }
}

function emptyStream(): Readable {
  return new (nodeStream().Readable)({
    read() {
      this.push(null);
    },
  });
}

function memoryAttachment(meta: Meta, bytes: Buffer): NormalizedAttachment {
  const size = bytes.length;
  return {
    ...meta,
    size,
    open(start = 0, end = size) {
      checkRange(start, end, size);
      if (start === end) return emptyStream();
      return nodeStream().Readable.from([bytes.subarray(start, end)], { objectMode: false });
    },
    async readRange(start, end) {
      checkRange(start, end, size);
      return bytes.subarray(start, end);
    },
    async read() {
      return bytes;
    },
    async dispose() {},
  };
}

function fileAttachment(meta: Meta, file: string, size: number, cleanup?: () => Promise<void>): NormalizedAttachment {
  let disposed = false;
  return {
    ...meta,
    size,
    open(start = 0, end = size) {
      checkRange(start, end, size);
      if (start === end) return emptyStream();
      // createReadStream's `end` is inclusive; ours is exclusive.
      return nodeFs().createReadStream(file, { start, end: end - 1 });
    },
    readRange(start, end, scratch) {
      checkRange(start, end, size);
      return readFileRange(file, start, end, scratch);
    },
    read() {
      return nodeFs().promises.readFile(file);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (cleanup) await cleanup();
    },
  };
}

/** Reads `[start, end)` of `file` into `scratch`; rejects if the file ends first (it shrank after it was measured). */
async function readFileRange(file: string, start: number, end: number, scratch: Buffer): Promise<Uint8Array> {
  const length = end - start;
  if (scratch.length < length) throw new RangeError(`The read buffer holds ${scratch.length} bytes; ${length} are needed.`);
  const handle = await nodeFs().promises.open(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(scratch, done, length - done, start + done);
      if (bytesRead === 0) throw new Error(`${basename(file)} ended at byte ${start + done}; it was ${end} bytes or longer when the send began.`);
      done += bytesRead;
    }
    return scratch.subarray(0, length);
  } finally {
    await handle.close();
  }
}

async function fromPath(path: string, meta: Meta, f: string, opts: ResolveAttachmentsOptions): Promise<NormalizedAttachment> {
  const file = resolvePath(path);
  const field = `${f}.path`;
  const fix = `Check that ${field} names an existing file that this process can read.`;
  let size: number;
  try {
    const st = await nodeFs().promises.stat(file);
    if (!st.isFile()) throw invalid(field, `is not a regular file (it may be a folder): ${describeValue(path)}.`, fix);
    size = st.size;
    await nodeFs().promises.access(file, nodeFs().constants.R_OK);
  } catch (err) {
    if (err instanceof MailerError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw invalid(field, `does not exist: ${describeValue(path)}.`, fix, err);
    if (code === 'EACCES' || code === 'EPERM') {
      throw invalid(field, `cannot be read (permission denied): ${describeValue(path)}.`, fix, err);
    }
    throw invalid(field, `cannot be read (${code ?? 'error'}): ${describeValue(path)}.`, fix, err);
  }
  // A size of 0 may not be the truth: files under /proc (say /proc/self/environ) report 0 and still have bytes. Read
  // such a file once, like a stream, so that its real size (not 0) picks the route and the request's length.
  if (size === 0) return fromStream(nodeFs().createReadStream(file), meta, f, opts);
  return fileAttachment(meta, file, size);
}

interface Spool {
  dir: string;
  file: string;
  handle: FileHandle;
}

async function openSpool(tmpDir: string | undefined, f: string): Promise<Spool> {
  let dir: string | undefined;
  try {
    dir = await nodeFs().promises.mkdtemp(join(tmpDir ?? tmpdir(), 'o365-mailer-'));
    const file = join(dir, 'attachment');
    const handle = await nodeFs().promises.open(file, 'wx', 0o600);
    await handle.chmod(0o600);
    return { dir, file, handle };
  } catch (err) {
    if (dir !== undefined) await nodeFs().promises.rm(dir, { recursive: true, force: true }).catch(() => {});
    throw spoolError(f, err);
  }
}

function spoolError(f: string, err: unknown): MailerError {
  return new MailerError({
    code: 'UNKNOWN',
    message: `${f}.content could not be spooled to a temporary file: ${(err as Error)?.message ?? String(err)}.`,
    fix: 'Make sure the temporary folder (tmpDir, else the OS temp folder) exists, is writable and has free space, or pass the file as path.',
    cause: err,
  });
}

async function writeAll(handle: FileHandle, bytes: Buffer, f: string): Promise<void> {
  try {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  } catch (err) {
    throw spoolError(f, err);
  }
}

function chunkBytes(chunk: unknown, f: string, encoding: BufferEncoding | null): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8');
  if (chunk instanceof Uint8Array) return toBuffer(chunk);
  throw invalid(
    `${f}.content`,
    `is a stream that yielded ${describeValue(chunk)} instead of bytes.`,
    `Give ${f}.content as a stream of Buffers or strings (not an object-mode stream).`,
  );
}

async function fromStream(stream: Readable, meta: Meta, f: string, opts: ResolveAttachmentsOptions): Promise<NormalizedAttachment> {
  const { signal } = opts;
  const source = isNodeReadable(stream) ? stream : new (nodeStream().Readable)().wrap(stream);
  const encoding = source.readableEncoding;
  const onAbort = (): void => {
    source.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const chunks: Buffer[] = [];
  let total = 0;
  let spool: Spool | undefined;
  try {
    for await (const chunk of streamChunks(source)) {
      const bytes = chunkBytes(chunk, f, encoding);
      total += bytes.length;
      if (total > MAX_ATTACHMENT_BYTES) {
        throw new MailerError({
          code: 'ATTACHMENT_TOO_LARGE',
          message: `${f} (${JSON.stringify(meta.name)}) is a stream longer than 150 MiB (${MAX_ATTACHMENT_BYTES} bytes), the most Graph takes per attachment.`,
          fix: `Share ${meta.name} as a link (OneDrive or SharePoint) or split it into parts of at most 150 MiB.`,
        });
      }
      if (spool) {
        await writeAll(spool.handle, bytes, f);
      } else {
        chunks.push(bytes);
        if (total > INLINE_ATTACHMENT_LIMIT_BYTES) {
          spool = await openSpool(opts.tmpDir, f);
          for (const c of chunks) await writeAll(spool.handle, c, f);
          chunks.length = 0;
        }
      }
      throwIfAborted(signal);
    }
    throwIfAborted(signal);
    if (!spool) return memoryAttachment(meta, Buffer.concat(chunks, total));
    const { dir, file, handle } = spool;
    try {
      await handle.close();
    } catch (err) {
      throw spoolError(f, err);
    }
    return fileAttachment(meta, file, total, () => nodeFs().promises.rm(dir, { recursive: true, force: true }));
  } catch (err) {
    if (spool) {
      await spool.handle.close().catch(() => {});
      await nodeFs().promises.rm(spool.dir, { recursive: true, force: true }).catch(() => {});
    }
    if (signal?.aborted) throw abortedError(signal);
    if (err instanceof MailerError) throw err;
    throw invalid(
      `${f}.content`,
      `could not be read: the stream failed (${(err as Error)?.message ?? String(err)}).`,
      `Check the stream given as ${f}.content; it emitted an error before it ended.`,
      err,
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
