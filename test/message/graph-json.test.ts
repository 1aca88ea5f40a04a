import type { FileAttachment, Message } from '@microsoft/microsoft-graph-types';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sendMailBody, toGraphFileAttachment, toGraphMessage } from '../../src/message/graph-json';
import { normalizeMessage } from '../../src/message/normalize';
import type { NormalizedAttachment, NormalizedMessage } from '../../src/message/normalized';

function attachment(fields: Partial<NormalizedAttachment> & Pick<NormalizedAttachment, 'name' | 'contentType' | 'isInline'>): NormalizedAttachment {
  return {
    size: 0,
    open: () => Readable.from([]),
    read: async () => Buffer.alloc(0),
    dispose: async () => {},
    ...fields,
  };
}

describe('toGraphMessage', () => {
  it('maps every field to Graph’s shape', () => {
    const m = normalizeMessage({
      to: ['Ann Lee <ann@x.com>', 'bob@x.com'],
      cc: '"Lee, Cy" <cy@y.org>',
      bcc: { name: 'Dee', address: 'dee@z.net' },
      replyTo: 'Help Desk <help@x.com>',
      subject: 'Invoice\n42',
      html: '<p>Hi</p>',
      importance: 'low',
      headers: { 'X-Order-Id': '42', 'x-Trace': 't' },
    });
    const expected: Message = {
      subject: 'Invoice 42',
      body: { contentType: 'HTML' as never, content: '<p>Hi</p>' },
      toRecipients: [{ emailAddress: { name: 'Ann Lee', address: 'ann@x.com' } }, { emailAddress: { address: 'bob@x.com' } }],
      ccRecipients: [{ emailAddress: { name: 'Lee, Cy', address: 'cy@y.org' } }],
      bccRecipients: [{ emailAddress: { name: 'Dee', address: 'dee@z.net' } }],
      replyTo: [{ emailAddress: { name: 'Help Desk', address: 'help@x.com' } }],
      importance: 'low',
      internetMessageHeaders: [
        { name: 'X-Order-Id', value: '42' },
        { name: 'x-Trace', value: 't' },
      ],
    };
    const actual: Message = toGraphMessage(m);
    expect(actual).toStrictEqual(expected);
    expect(Object.keys(actual)).toStrictEqual([
      'subject',
      'body',
      'toRecipients',
      'ccRecipients',
      'bccRecipients',
      'replyTo',
      'importance',
      'internetMessageHeaders',
    ]);
  });

  it('omits empty recipient lists, importance and headers, and names that are absent', () => {
    const actual = toGraphMessage(normalizeMessage({ bcc: 'b@x.com', text: 'plain' }));
    const expected: Message = {
      subject: '',
      body: { contentType: 'Text' as never, content: 'plain' },
      bccRecipients: [{ emailAddress: { address: 'b@x.com' } }],
    };
    expect(actual).toStrictEqual(expected);
    expect(Object.keys(actual)).toStrictEqual(['subject', 'body', 'bccRecipients']);
    expect(Object.keys(actual.bccRecipients?.[0]?.emailAddress ?? {})).toStrictEqual(['address']);
  });

  it('copies from a hand-built NormalizedMessage without sharing arrays', () => {
    const m: NormalizedMessage = {
      to: [{ address: 't@x.com', name: 'T' }],
      cc: [],
      bcc: [],
      replyTo: [],
      subject: 's',
      body: { contentType: 'Text', content: 'c' },
      headers: [{ name: 'X-A', value: 'v' }],
      recipients: ['t@x.com'],
    };
    const g = toGraphMessage(m);
    expect(g).toStrictEqual({
      subject: 's',
      body: { contentType: 'Text', content: 'c' },
      toRecipients: [{ emailAddress: { name: 'T', address: 't@x.com' } }],
      internetMessageHeaders: [{ name: 'X-A', value: 'v' }],
    });
    expect(g.internetMessageHeaders).not.toBe(m.headers);
  });

  it('survives JSON', () => {
    const g = toGraphMessage(normalizeMessage({ to: 'Grüße <a@bücher.de>', subject: '😀 "q" \\', text: '</script>' }));
    expect(JSON.parse(JSON.stringify(g))).toStrictEqual(g);
  });
});

describe('toGraphFileAttachment', () => {
  it('builds a fileAttachment with base64 content', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    const actual: FileAttachment = toGraphFileAttachment(
      attachment({ name: 'a.bin', contentType: 'application/octet-stream', isInline: false, size: bytes.length }),
      bytes,
    );
    const expected: FileAttachment & { '@odata.type': string } = {
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'a.bin',
      contentType: 'application/octet-stream',
      contentBytes: 'AAEC+vv8/f7/',
      isInline: false,
    };
    expect(actual).toStrictEqual(expected);
    expect(Buffer.from(actual.contentBytes ?? '', 'base64')).toStrictEqual(bytes);
    expect('contentId' in actual).toBe(false);
  });

  it('carries contentId for inline images', () => {
    const bytes = Buffer.from('png-bytes');
    expect(
      toGraphFileAttachment(attachment({ name: 'logo.png', contentType: 'image/png', isInline: true, contentId: 'logo@x' }), bytes),
    ).toStrictEqual({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'logo.png',
      contentType: 'image/png',
      contentBytes: bytes.toString('base64'),
      isInline: true,
      contentId: 'logo@x',
    });
  });

  it('encodes empty content as an empty string', () => {
    expect(toGraphFileAttachment(attachment({ name: 'e', contentType: 'text/plain', isInline: false }), Buffer.alloc(0)).contentBytes).toBe('');
  });
});

describe('sendMailBody', () => {
  it('wraps the message', () => {
    const message = toGraphMessage(normalizeMessage({ to: 'a@x.com', text: 'x' }));
    expect(sendMailBody(message, true)).toStrictEqual({ message, saveToSentItems: true });
    expect(sendMailBody(message, false)).toStrictEqual({ message, saveToSentItems: false });
    expect(sendMailBody(message, false).message).toBe(message);
  });
});
