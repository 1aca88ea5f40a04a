import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/outbox/message-codec';

describe('the stored form of a queued message', () => {
  it('keeps Buffers and dates through JSON, byte for byte', () => {
    const message = { to: 'ann@contoso.com', date: new Date('2026-11-30T08:00:00Z'), alternatives: [{ contentType: 'text/markdown', content: Buffer.from([0, 1, 254, 255]) }], raw: undefined };
    const stored = JSON.parse(JSON.stringify(encodeMessage(message)));
    expect(stored).toEqual({ to: 'ann@contoso.com', date: '2026-11-30T08:00:00.000Z', alternatives: [{ contentType: 'text/markdown', content: { $o365Bytes: 'AAH+/w==' } }] });
    const back = decodeMessage(stored) as { alternatives: Array<{ content: Buffer }> };
    expect(back.alternatives[0]?.content.equals(Buffer.from([0, 1, 254, 255]))).toBe(true);
  });

  it('refuses a stream outside the attachments with MESSAGE_INVALID naming the field', () => {
    expect(() => encodeMessage({ to: 'ann@contoso.com', alternatives: [{ content: Readable.from(['x']) }] })).toThrow(
      expect.objectContaining({ code: 'MESSAGE_INVALID', message: expect.stringContaining('message.alternatives[0].content is a stream') }),
    );
  });
});
