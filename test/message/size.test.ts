import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sendMailBody, toGraphFileAttachment, toGraphMessage } from '../../src/message/graph-json';
import { normalizeMessage } from '../../src/message/normalize';
import type { NormalizedAttachment, NormalizedMessage } from '../../src/message/normalized';
import {
  GRAPH_REQUEST_LIMIT_BYTES,
  INLINE_ATTACHMENT_LIMIT_BYTES,
  MAX_ATTACHMENT_BYTES,
  SIZE_ESTIMATE_MARGIN_BYTES,
  UPLOAD_CHUNK_BYTES,
  assertAttachmentSizes,
  base64Length,
  chooseRoute,
  estimateSendMailBytes,
} from '../../src/message/size';
import { expectMailerError, thrown } from './helpers';

function memory(name: string, bytes: Buffer, contentId?: string): NormalizedAttachment {
  return {
    name,
    contentType: 'application/octet-stream',
    isInline: contentId !== undefined,
    ...(contentId !== undefined ? { contentId } : {}),
    size: bytes.length,
    open: () => Readable.from([bytes]),
    read: async () => bytes,
    dispose: async () => {},
  };
}

/** The exact body a sendMail request with these attachments would carry. */
function actualJsonBytes(m: NormalizedMessage, atts: Array<[NormalizedAttachment, Buffer]>): number {
  const message = toGraphMessage(m);
  if (atts.length > 0) message.attachments = atts.map(([a, b]) => toGraphFileAttachment(a, b));
  return Buffer.byteLength(JSON.stringify(sendMailBody(message, true)), 'utf8');
}

describe('constants', () => {
  it('have the documented values and relations', () => {
    expect(GRAPH_REQUEST_LIMIT_BYTES).toBe(4_194_304);
    expect(INLINE_ATTACHMENT_LIMIT_BYTES).toBe(3_145_728);
    expect(MAX_ATTACHMENT_BYTES).toBe(157_286_400);
    expect(UPLOAD_CHUNK_BYTES).toBe(3_932_160);
    expect(UPLOAD_CHUNK_BYTES % (320 * 1024)).toBe(0);
    expect(UPLOAD_CHUNK_BYTES).toBeLessThanOrEqual(4 * 1000 * 1000);
  });

  it('base64Length matches Buffer’s encoding', () => {
    fc.assert(
      fc.property(fc.nat({ max: 5000 }), (n) => {
        expect(base64Length(n)).toBe(Buffer.alloc(n).toString('base64').length);
      }),
    );
  });
});

describe('estimateSendMailBytes', () => {
  it('is an upper bound close to the real JSON size, for any message and attachments', () => {
    // Valid subjects and bodies: no C0/C1 controls or U+2028/2029, which the input limits refuse.
    const text = fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ''));
    fc.assert(
      fc.property(
        text,
        text,
        fc.boolean(),
        fc.array(fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.nat({ max: 3000 }), fc.boolean()), { maxLength: 4 }),
        (subject, body, html, specs) => {
          const m = normalizeMessage({
            to: ['Ann Lee <ann@x.com>', 'u@bücher.de'],
            cc: '"Lee, Cy" <cy@y.org>',
            subject,
            ...(html ? { html: body } : { text: body }),
            headers: { 'X-Id': subject },
            importance: 'high',
          });
          const atts = specs.map(([name, size, inline], i): [NormalizedAttachment, Buffer] => {
            const bytes = Buffer.alloc(size, i);
            return [memory(name, bytes, inline ? `cid${i}@x` : undefined), bytes];
          });
          const estimate = estimateSendMailBytes(m, atts.map(([a]) => a));
          const actual = actualJsonBytes(m, atts);
          expect(estimate).toBeGreaterThanOrEqual(actual);
          expect(estimate - actual).toBeLessThanOrEqual(SIZE_ESTIMATE_MARGIN_BYTES + 8);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('grows by 4/3 of the attachment size', () => {
    const m = normalizeMessage({ to: 'a@x.com' });
    const a = (size: number): NormalizedAttachment => ({ ...memory('f.bin', Buffer.alloc(0)), size });
    const small = estimateSendMailBytes(m, [a(300)]);
    const large = estimateSendMailBytes(m, [a(3_000_300)]);
    expect(large - small).toBe(4_000_000);
    expect(estimateSendMailBytes(m, [])).toBeLessThan(small);
  });

  it('does not read attachments', () => {
    const m = normalizeMessage({ to: 'a@x.com' });
    const a: NormalizedAttachment = {
      ...memory('big.bin', Buffer.alloc(0)),
      size: 100 * 1024 * 1024,
      open: () => {
        throw new Error('opened');
      },
      read: () => {
        throw new Error('read');
      },
    };
    expect(estimateSendMailBytes(m, [a])).toBeGreaterThan(Math.ceil((100 * 1024 * 1024 * 4) / 3));
  });

  it('sends ~2.9 MiB of raw attachments by sendMail and 3 MiB by draft', () => {
    const m = normalizeMessage({ to: 'a@x.com', text: 'hello' });
    const a = (size: number): NormalizedAttachment => ({ ...memory('f.pdf', Buffer.alloc(0)), size });
    expect(chooseRoute(estimateSendMailBytes(m, [a(2_900_000)]), false)).toBe('sendMail');
    expect(chooseRoute(estimateSendMailBytes(m, [a(3 * 1024 * 1024)]), false)).toBe('too-large');
    expect(chooseRoute(estimateSendMailBytes(m, [a(3 * 1024 * 1024)]), true)).toBe('draft');
  });
});

describe('chooseRoute', () => {
  it.each<[number, boolean, string]>([
    [0, false, 'sendMail'],
    [GRAPH_REQUEST_LIMIT_BYTES, false, 'sendMail'],
    [GRAPH_REQUEST_LIMIT_BYTES, true, 'sendMail'],
    [GRAPH_REQUEST_LIMIT_BYTES + 1, true, 'draft'],
    [GRAPH_REQUEST_LIMIT_BYTES + 1, false, 'too-large'],
    [500 * 1024 * 1024, true, 'draft'],
  ])('%i bytes, Mail.ReadWrite %s → %s', (estimate, rw, route) => {
    expect(chooseRoute(estimate, rw)).toBe(route);
  });
});

describe('assertAttachmentSizes', () => {
  it('accepts up to 150 MiB and rejects one byte more, naming the attachment', () => {
    expect(() => assertAttachmentSizes([{ name: 'a', size: 0 }, { name: 'b', size: MAX_ATTACHMENT_BYTES }])).not.toThrow();
    expect(() => assertAttachmentSizes([])).not.toThrow();
    const e = expectMailerError(
      thrown(() => assertAttachmentSizes([{ name: 'ok.pdf', size: 10 }, { name: 'huge.iso', size: MAX_ATTACHMENT_BYTES + 1 }])),
      'ATTACHMENT_TOO_LARGE',
      'attachments[1]',
    );
    expect(e.message).toContain('huge.iso');
    expect(e.fix).toContain('huge.iso');
  });
});
