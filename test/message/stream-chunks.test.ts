import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamChunks } from '../../src/message/stream-chunks';

function repeating(chunk: Buffer, times: number): Readable {
  let n = 0;
  return new Readable({
    read() {
      this.push(n++ < times ? chunk : null);
    },
  });
}

describe('streamChunks', () => {
  it('yields every chunk as it was pushed, never a joined copy (for await joins what is buffered)', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const seen: unknown[] = [];
    for await (const c of streamChunks(repeating(chunk, 20))) {
      seen.push(c);
      // A slow consumer: with for await, the stream buffers two chunks meanwhile and the next read joins them.
      await new Promise((r) => setImmediate(r));
    }
    expect(seen).toHaveLength(20);
    expect(seen.every((c) => c === chunk)).toBe(true);
  });

  it('flows from a stream that was paused before it was handed over', async () => {
    const stream = Readable.from([Buffer.from('a'), Buffer.from('b')], { objectMode: false });
    stream.pause();
    const parts: string[] = [];
    for await (const c of streamChunks(stream)) parts.push(String(c));
    expect(parts.join('')).toBe('ab');
  });

  it("throws the stream's error", async () => {
    const stream = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await expect(async () => {
      for await (const _ of streamChunks(stream)) void _;
    }).rejects.toThrow('disk on fire');
  });

  it('throws ERR_STREAM_PREMATURE_CLOSE when the stream closes before its end', async () => {
    const stream = new Readable({
      read() {
        this.push(Buffer.from('x'));
        this.destroy();
      },
    });
    const error = await (async () => {
      try {
        for await (const _ of streamChunks(stream)) void _;
      } catch (e) {
        return e as { code?: string };
      }
      return undefined;
    })();
    expect(error?.code).toBe('ERR_STREAM_PREMATURE_CLOSE');
  });

  it('destroys the stream when the consumer leaves early', async () => {
    const stream = repeating(Buffer.from('abc'), 100);
    for await (const _ of streamChunks(stream)) break;
    expect(stream.destroyed).toBe(true);
  });
});
