import type { Logger } from '../config/types';
import { fromRedirect, fromTransport, catalogued } from '../errors/catalogue';
import { MailerError } from '../errors/mailer-error';
import { safeUrl } from '../errors/redact';
import { parseJson, type HttpClient } from '../http/http-client';
import { TransportError } from '../http/transport-error';
import type { NormalizedAttachment } from '../message/normalized';
import { abortedError, sleep } from '../reliability/abortable';
import type { RetryPolicy } from '../reliability/retry-policy';
import { ChunkBuffer } from './chunk-buffer';

/** What uploading one attachment needs. */
export interface UploadOptions {
  http: HttpClient;
  /** The pre-authenticated upload URL: it carries an `authtoken` in its query. Never log it whole. */
  uploadUrl: string;
  attachment: NormalizedAttachment;
  /** Bytes per PUT: at most 4 MB (Outlook's limit). */
  chunkBytes: number;
  policy: RetryPolicy;
  logger: Logger;
  secrets: readonly string[];
  signal?: AbortSignal;
  /** Runs one request holding a mailbox slot (uploads count against the mailbox's concurrent requests). */
  slot?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * Called as the session accepts bytes, with how many more it holds than last reported. The reports add up to the
   * attachment's size, also when a resume skips bytes the session stored although their answer was lost.
   */
  onChunk?: (bytes: number) => void;
}

/**
 * The start of the first of `nextExpectedRanges` (`["12345-"]`); `total` when the session expects nothing more (`[]`:
 * every byte is stored, e.g. when the answer to the last chunk was lost); undefined when absent or unreadable.
 */
function nextOffset(body: unknown, total: number): number | undefined {
  const ranges = (body as { nextExpectedRanges?: unknown } | undefined)?.nextExpectedRanges;
  if (Array.isArray(ranges) && ranges.length === 0) return total;
  if (!Array.isArray(ranges) || typeof ranges[0] !== 'string') return undefined;
  const start = Number(ranges[0].split('-')[0]);
  return Number.isFinite(start) ? start : undefined;
}

/**
 * Streams one attachment through an upload session in PUTs of at most `chunkBytes`, with **no Authorization
 * header** (the URL is pre-authenticated; a bearer token gets 401 InvalidAudience). Only one chunk is in memory at
 * a time, in a buffer reused from chunk to chunk ({@link ChunkBuffer}). A failed chunk is retried from the session's `nextExpectedRanges`.
 */
export async function uploadAttachment(options: UploadOptions): Promise<void> {
  const { http, uploadUrl, attachment, chunkBytes, policy, logger, signal } = options;
  const total = attachment.size;
  const where = safeUrl(uploadUrl);
  let offset = 0;
  let retries = 0;
  // However the session answers, a bounded number of PUTs: every chunk once plus its retries.
  const maxPuts = Math.ceil(total / chunkBytes) * (policy.maxRetries + 1);
  let puts = 0;
  const stalled = (why: string) =>
    new MailerError(
      catalogued('SERVICE_UNAVAILABLE', `Uploading ${attachment.name} made no progress: ${why} (byte ${offset} of ${total}, after ${puts} request(s)). The mail was not sent, and its draft is deleted.`),
      options.secrets,
    );
  // Bytes reported through onChunk: progress follows what the session holds, never counting a byte twice.
  let reported = 0;
  const advance = (to: number) => {
    if (to > reported) options.onChunk?.(to - reported);
    reported = Math.max(reported, to);
  };
  const buffer = new ChunkBuffer(chunkBytes);
  while (offset < total) {
    if (signal?.aborted) throw abortedError('uploading an attachment');
    if (puts >= maxPuts) throw stalled('the upload session kept asking for bytes it had been sent');
    puts++;
    const end = Math.min(offset + chunkBytes, total);
    let status: number;
    let body: unknown;
    let retryAfter: string | null = null;
    let retryLocation: string | null = null;
    let chunk: Uint8Array;
    try {
      chunk = await buffer.read(attachment, offset, end);
    } catch (err) {
      throw new MailerError(
        {
          ...catalogued('UNKNOWN', `Could not read ${attachment.name} at byte ${offset} while uploading it: ${(err as Error)?.message ?? String(err)}. The mail was not sent.`),
          fix: `Keep ${attachment.name} unchanged and readable until send() resolves, then send the mail again.`,
          cause: err,
        },
        options.secrets,
      );
    }
    if (chunk.length !== end - offset) {
      throw new MailerError(catalogued('UNKNOWN', `${attachment.name} gave ${chunk.length} bytes at byte ${offset} where ${end - offset} were expected: it changed while being sent. The mail was not sent.`), options.secrets);
    }
    try {
      const res = await inSlot(options, () =>
        http.request({
          method: 'PUT',
          url: uploadUrl,
          headers: {
            'Content-Type': 'application/octet-stream',
            'Content-Length': String(end - offset),
            'Content-Range': `bytes ${offset}-${end - 1}/${total}`,
          },
          // One chunk at a time, through the reused buffer: memory does not grow with the file.
          body: chunk,
          ...(signal ? { signal } : {}),
        }),
      );
      status = res.status;
      body = parseJson(res.text);
      retryAfter = res.headers.get('retry-after');
      retryLocation = res.headers.get('location');
    } catch (err) {
      buffer.abandon();
      if (!(err instanceof TransportError)) throw err;
      if (err.failure === 'aborted') throw abortedError('uploading an attachment');
      // A chunk PUT is idempotent by range: resume from what the session says it has.
      if (retries >= policy.maxRetries) {
        throw new MailerError({ ...fromTransport({ failure: err.failure, detail: err.message, doing: `uploading ${attachment.name}`, couldDeliver: false, ...(err.proxy !== undefined ? { proxy: err.proxy } : {}) }), cause: err }, options.secrets);
      }
      retries++;
      logger.warn?.(`Upload of ${attachment.name} broke at byte ${offset}; resuming.`, { uploadUrl: where });
      await sleep(policy.backoff(retries - 1), signal, 'uploading an attachment');
      offset = (await sessionOffset(options)) ?? offset;
      advance(offset);
      continue;
    }
    if (status < 200 || status >= 300) buffer.abandon();
    if (status === 200 || status === 202) {
      const next = nextOffset(body, total) ?? end;
      if (next > offset) {
        offset = next;
        advance(offset);
        retries = 0;
        continue;
      }
      // Accepted, yet the session still expects the same byte (or an earlier one): count it as a failed try.
      if (retries >= policy.maxRetries) throw stalled(`the upload session answered ${status} but still expected byte ${next}`);
      retries++;
      logger.warn?.(`Upload of ${attachment.name} made no progress at byte ${offset}; retrying.`, { uploadUrl: where });
      await sleep(policy.backoff(retries - 1), signal, 'uploading an attachment');
      offset = next;
      continue;
    }
    if (status === 201) {
      advance(total);
      return;
    }
    if (status >= 300 && status < 400) {
      // A redirect is never followed (the chunk would go to another host), nor retried: something between this
      // server and Outlook answered in its place. The caller deletes the draft.
      throw new MailerError(fromRedirect(status, retryLocation, `uploading ${attachment.name}`, false), options.secrets);
    }
    const resumable = status === 416 || status === 429 || status >= 500;
    if (!resumable || retries >= policy.maxRetries) {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new MailerError(
        catalogued(status === 429 ? 'THROTTLED' : status === 503 ? 'SERVICE_UNAVAILABLE' : 'UNKNOWN', `Uploading ${attachment.name} failed at byte ${offset} of ${total}: HTTP ${status}${error?.code ? ` ${error.code}` : ''}${error?.message ? `: ${error.message}` : ''}. The mail was not sent.`, { status }),
        options.secrets,
      );
    }
    retries++;
    const decision = policy.decide({ kind: 'status', status: status === 416 ? 503 : status, retryAfter }, retries - 1);
    logger.warn?.(`Upload of ${attachment.name} answered ${status} at byte ${offset}; resuming.`, { uploadUrl: where });
    await sleep(decision.retry ? decision.delayMs : policy.backoff(retries - 1), signal, 'uploading an attachment');
    offset = nextOffset(body, total) ?? (await sessionOffset(options)) ?? offset;
    advance(offset);
  }
}

/** Asks the upload session where to resume (`GET uploadUrl` → `nextExpectedRanges`). */
async function sessionOffset(options: UploadOptions): Promise<number | undefined> {
  try {
    const res = await inSlot(options, () =>
      options.http.request({ method: 'GET', url: options.uploadUrl, ...(options.signal ? { signal: options.signal } : {}) }),
    );
    return res.status >= 200 && res.status < 300 ? nextOffset(parseJson(res.text), options.attachment.size) : undefined;
  } catch {
    return undefined;
  }
}

function inSlot<T>(options: UploadOptions, fn: () => Promise<T>): Promise<T> {
  return options.slot ? options.slot(fn) : fn();
}
