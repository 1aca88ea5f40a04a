import type { Readable } from 'node:stream';

/**
 * The chunks of a stream one by one, exactly as they were pushed, with backpressure (the stream is paused while
 * the consumer works). `for await (const chunk of stream)` instead joins whatever is buffered into a fresh Buffer
 * on each read: a 100 MiB stream of 1 MiB chunks then allocates about 100 MiB more, and peak memory follows.
 *
 * It ends when the stream ends, and throws the stream's error, or `ERR_STREAM_PREMATURE_CLOSE` when it closes
 * before its end. Leaving the loop early destroys the stream, as `for await` does.
 */
export async function* streamChunks(stream: Readable): AsyncGenerator<unknown, void, undefined> {
  const queue: unknown[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: unknown) => {
    queue.push(chunk);
    stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure ??= { error };
    notify();
  };
  const onClose = () => {
    if (!ended) failure ??= { error: Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }) };
    notify();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
  try {
    // A stream paused before it was handed over would otherwise never flow.
    stream.resume();
    for (;;) {
      if (queue.length > 0) {
        yield queue.shift();
        if (queue.length === 0 && !ended) stream.resume();
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('error', onError);
    stream.off('close', onClose);
    if (!ended && !stream.destroyed) stream.destroy();
  }
}
