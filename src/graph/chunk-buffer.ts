import type { NormalizedAttachment } from '../message/normalized';

/**
 * The one buffer an upload reads its chunks into, reused from chunk to chunk: 100 MiB travel through one 4 MiB
 * buffer instead of 1,600 fresh 64 KiB reads and their copies, so memory does not grow with the file.
 *
 * A buffer handed to a request is reused only after that request ended with a 2xx answer, which Graph gives once
 * it holds every byte: by then neither fetch, a dispatcher nor an interceptor can still be writing or retrying
 * it. After any other outcome (a transport failure, an abort, an error answer that may come before the body was
 * written) the buffer is abandoned to whoever may still hold it, and the next chunk gets a fresh one.
 */
export class ChunkBuffer {
  readonly #bytes: number;
  #scratch: Buffer | undefined;

  constructor(bytes: number) {
    this.#bytes = bytes;
  }

  /** The bytes `[start, end)` of `attachment`, in the reused buffer (or a view of bytes already in memory). */
  async read(attachment: NormalizedAttachment, start: number, end: number): Promise<Uint8Array> {
    // Not pooled by Buffer: a slow buffer is this upload's alone.
    const scratch = (this.#scratch ??= Buffer.allocUnsafeSlow(Math.max(this.#bytes, end - start)));
    if (attachment.readRange) return attachment.readRange(start, end, scratch);
    let filled = 0;
    for await (const chunk of attachment.open(start, end)) {
      const bytes = chunk as Buffer;
      bytes.copy(scratch, filled);
      filled += bytes.length;
    }
    return scratch.subarray(0, filled);
  }

  /** Gives the buffer up: the request that carried it may still hold it. */
  abandon(): void {
    this.#scratch = undefined;
  }
}
