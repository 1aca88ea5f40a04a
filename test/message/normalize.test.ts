import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { validateAttachmentSpecs } from '../../src/message/attachment-specs';
import { MAX_HEADERS, MAX_RECIPIENTS, normalizeMessage, validateAttachmentSpecs as reExported } from '../../src/message/normalize';
import type { NormalizedMessage } from '../../src/message/normalized';
import type { MailMessage } from '../../src/message/types';
import { expectMailerError, thrown } from './helpers';

const addresses = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}@contoso.com`);

describe('normalizeMessage: whole results', () => {
  it('normalises a minimal message', () => {
    const expected: NormalizedMessage = {
      to: [{ address: 'a@x.com' }],
      cc: [],
      bcc: [],
      replyTo: [],
      subject: '',
      body: { contentType: 'Text', content: '' },
      headers: [],
      recipients: ['a@x.com'],
    };
    expect(normalizeMessage({ to: 'a@x.com' })).toStrictEqual(expected);
  });

  it('normalises every field', () => {
    const message: MailMessage = {
      to: ['Ann Lee <ann@x.com>', { address: 'bob@x.com' }],
      cc: '"Lee, Cy" <cy@y.org>',
      bcc: { name: 'Dee', address: 'dee@z.net' },
      replyTo: 'help@x.com',
      subject: 'Invoice\r\n 42',
      text: 'plain',
      html: '<p>rich</p>',
      importance: 'high',
      headers: { 'X-Order-Id': '42', 'x-trace': 'abc def' },
      attachments: [{ filename: 'a.txt', content: 'hi' }],
    };
    const expected: NormalizedMessage = {
      to: [{ name: 'Ann Lee', address: 'ann@x.com' }, { address: 'bob@x.com' }],
      cc: [{ name: 'Lee, Cy', address: 'cy@y.org' }],
      bcc: [{ name: 'Dee', address: 'dee@z.net' }],
      replyTo: [{ address: 'help@x.com' }],
      subject: 'Invoice 42',
      body: { contentType: 'HTML', content: '<p>rich</p>' },
      importance: 'high',
      headers: [
        { name: 'X-Order-Id', value: '42' },
        { name: 'x-trace', value: 'abc def' },
      ],
      recipients: ['ann@x.com', 'bob@x.com', 'cy@y.org', 'dee@z.net'],
      // text and html together need multipart/alternative: the message goes as MIME and keeps both.
      mimeReasons: ['text+html'],
    };
    expect(normalizeMessage(message)).toStrictEqual(expected);
  });

  it('does not modify its input', () => {
    const message: MailMessage = { to: ['a@x.com'], subject: 'a\nb', headers: { 'X-A': '1' } };
    const copy = structuredClone(message);
    normalizeMessage(message);
    expect(message).toStrictEqual(copy);
  });

  it.each([null, undefined, 'a@x.com', 42, ['a@x.com']])('rejects a message that is %j', (message) => {
    expectMailerError(thrown(() => normalizeMessage(message as unknown as MailMessage)), 'MESSAGE_INVALID', 'message');
  });
});

describe('normalizeMessage: recipients', () => {
  it('requires at least one recipient in to, cc or bcc', () => {
    expectMailerError(thrown(() => normalizeMessage({ subject: 'x' })), 'MESSAGE_INVALID', 'to');
    expectMailerError(thrown(() => normalizeMessage({ to: [], cc: '', bcc: ' , ' })), 'MESSAGE_INVALID', 'to');
    expectMailerError(thrown(() => normalizeMessage({ replyTo: 'a@x.com' })), 'MESSAGE_INVALID', 'to');
    expect(normalizeMessage({ bcc: 'b@x.com' }).recipients).toStrictEqual(['b@x.com']);
    expect(normalizeMessage({ cc: 'c@x.com' }).recipients).toStrictEqual(['c@x.com']);
  });

  it('lists recipients of to, cc and bcc in order, duplicates kept', () => {
    const m = normalizeMessage({ bcc: 'z@x.com', cc: ['y@x.com', 'a@x.com'], to: 'b@x.com, a@x.com' });
    expect(m.recipients).toStrictEqual(['b@x.com', 'a@x.com', 'y@x.com', 'a@x.com', 'z@x.com']);
  });

  it('takes 500 recipients in all and rejects 501', () => {
    expect(MAX_RECIPIENTS).toBe(500);
    const ok = normalizeMessage({ to: addresses('t', 200), cc: addresses('c', 200), bcc: addresses('b', 100), replyTo: addresses('r', 3) });
    expect(ok.recipients).toHaveLength(500);
    expect(normalizeMessage({ to: addresses('t', 500).join(', ') }).recipients).toHaveLength(500);
    const e = expectMailerError(
      thrown(() => normalizeMessage({ to: addresses('t', 200), cc: addresses('c', 200), bcc: addresses('b', 101) })),
      'MESSAGE_INVALID',
      'to/cc/bcc',
    );
    expect(e.message).toMatch(/501/);
    expectMailerError(thrown(() => normalizeMessage({ bcc: addresses('b', 501) })), 'MESSAGE_INVALID', 'to/cc/bcc');
  });

  it('names the field of a bad address', () => {
    expectMailerError(thrown(() => normalizeMessage({ to: 'a@x.com', cc: ['b@x.com', 'bad'] })), 'MESSAGE_INVALID', 'cc[1]');
    expectMailerError(thrown(() => normalizeMessage({ to: 'a@x.com', replyTo: 'x\r\n@y.com' })), 'MESSAGE_INVALID', 'replyTo[0]');
  });
});

describe('normalizeMessage: subject', () => {
  it.each([
    ['Hello', 'Hello'],
    ['a\r\nb', 'a b'],
    ['a\nb', 'a b'],
    ['a\rb', 'a b'],
    ['a\r\n\r\nb', 'a b'],
    ['a \r\n\tb', 'a b'],
    ['a\nb\nc', 'a b c'],
    ['line\n', 'line '],
    ['Grüße 😀', 'Grüße 😀'],
  ])('folds %j to %j', (subject, expected) => {
    expect(normalizeMessage({ to: 'a@x.com', subject }).subject).toBe(expected);
  });

  it.each(['a\tb', 'a\u0000b', 'a\u0007', '\u007f', 'a\u001bb'])('rejects the control character in %j', (subject) => {
    expectMailerError(thrown(() => normalizeMessage({ to: 'a@x.com', subject })), 'MESSAGE_INVALID', 'subject');
  });

  it('rejects a subject that is not a string', () => {
    expectMailerError(thrown(() => normalizeMessage({ to: 'a@x.com', subject: 42 as unknown as string })), 'MESSAGE_INVALID', 'subject');
  });

  it('folds any mix of line breaks between words to single spaces', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcXYZ09 .,!é'.split('')), minLength: 1, maxLength: 10 }).filter((w) => w.trim() === w);
    const lineBreak = fc.constantFrom('\r', '\n', '\r\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(word, lineBreak), { minLength: 1, maxLength: 6 }), word, (parts, last) => {
        const subject = parts.map(([w, br]) => w + br).join('') + last;
        const folded = normalizeMessage({ to: 'a@x.com', subject }).subject;
        expect(folded).toBe([...parts.map(([w]) => w), last].join(' '));
        expect(folded).not.toMatch(/[\r\n]/);
      }),
    );
  });
});

describe('normalizeMessage: body and importance', () => {
  it.each<[Partial<MailMessage>, NormalizedMessage['body']]>([
    [{ html: '<b>x</b>', text: 'x' }, { contentType: 'HTML', content: '<b>x</b>' }],
    [{ html: '<b>x</b>' }, { contentType: 'HTML', content: '<b>x</b>' }],
    [{ text: 'x' }, { contentType: 'Text', content: 'x' }],
    [{}, { contentType: 'Text', content: '' }],
    [{ html: '', text: 'x' }, { contentType: 'HTML', content: '' }],
    [{ text: 'tab\there\r\nnext' }, { contentType: 'Text', content: 'tab\there\r\nnext' }],
  ])('%j gives %j', (fields, body) => {
    expect(normalizeMessage({ to: 'a@x.com', ...fields }).body).toStrictEqual(body);
  });

  it('rejects a body that is not a string', () => {
    expectMailerError(thrown(() => normalizeMessage({ to: 'a@x.com', html: 1 as unknown as string })), 'MESSAGE_INVALID', 'html');
    expectMailerError(thrown(() => normalizeMessage({ to: 'a@x.com', text: {} as unknown as string })), 'MESSAGE_INVALID', 'text');
  });

  it.each(['low', 'normal', 'high'] as const)('keeps importance %s', (importance) => {
    expect(normalizeMessage({ to: 'a@x.com', importance }).importance).toBe(importance);
  });

  it('leaves importance out when not given', () => {
    expect('importance' in normalizeMessage({ to: 'a@x.com' })).toBe(false);
  });

  it.each(['urgent', 'High', '', 1])('rejects importance %j', (importance) => {
    expectMailerError(
      thrown(() => normalizeMessage({ to: 'a@x.com', importance: importance as MailMessage['importance'] })),
      'MESSAGE_INVALID',
      'importance',
    );
  });
});

describe('normalizeMessage: headers', () => {
  it('takes up to 5 X- headers in order', () => {
    expect(MAX_HEADERS).toBe(5);
    const headers = { 'X-A': '1', 'x-b': '', 'X-Long-Name_1.2': 'v a l', 'X-Unicode': 'Grüße', 'X-E': '5' };
    expect(normalizeMessage({ to: 'a@x.com', headers }).headers).toStrictEqual(
      Object.entries(headers).map(([name, value]) => ({ name, value })),
    );
  });

  it('sends 6 headers, or a header not named X-, or a repeated one, as MIME (JSON takes up to 5 X- headers)', () => {
    const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`X-H${i}`, String(i)]));
    expect(normalizeMessage({ to: 'a@x.com', headers: six }).mimeReasons).toStrictEqual(['headers']);
    expect(normalizeMessage({ to: 'a@x.com', headers: { 'Auto-Submitted': 'auto-generated' } }).mimeReasons).toStrictEqual(['headers']);
    const repeated = normalizeMessage({ to: 'a@x.com', headers: { 'X-Tag': ['a', 'b'] } });
    expect(repeated.headers).toStrictEqual([{ name: 'X-Tag', value: 'a' }, { name: 'X-Tag', value: 'b' }]);
    expect(repeated.mimeReasons).toStrictEqual(['headers']);
    expect(normalizeMessage({ to: 'a@x.com', headers: { 'X-A': '1' } }).mimeReasons).toBeUndefined();
  });

  it.each<[Record<string, unknown>, string]>([
    [{ 'X-A': '1', Subject: 'x' }, 'headers.Subject'],
    [{ 'message-id': '<a@b>' }, 'headers.message-id'],
    [{ Bcc: 'evil@x.com' }, 'headers.Bcc'],
    [{ 'Content-Type': 'text/html' }, 'headers.Content-Type'],
    [{ 'X-Tag': [] }, 'headers.X-Tag'],
    [{ 'X-Tag': ['a', 1] }, 'headers.X-Tag'],
    [{ 'X-A B': '1' }, 'headers.X-A B'],
    [{ 'X-A:B': '1' }, 'headers.X-A:B'],
    [{ 'X-Ä': '1' }, 'headers.X-Ä'],
    [{ 'X-A\r\nBcc': '1' }, 'headers."X-A\\r\\nBcc"'],
    [{ '': '1' }, 'headers[""]'],
    [{ 'X-Foo': 'a\r\nBcc: evil@x.com' }, 'headers.X-Foo'],
    [{ 'X-Foo': 'a\nb' }, 'headers.X-Foo'],
    [{ 'X-Foo': 'a\u0000' }, 'headers.X-Foo'],
    [{ 'X-Foo': 'a\tb' }, 'headers.X-Foo'],
    [{ 'X-Foo': 42 }, 'headers.X-Foo'],
    [{ 'X-Foo': '1', 'x-foo': '2' }, 'headers.x-foo'],
  ])('rejects %j, naming %s', (headers, field) => {
    expectMailerError(
      thrown(() => normalizeMessage({ to: 'a@x.com', headers: headers as Record<string, string> })),
      'MESSAGE_INVALID',
      field,
    );
  });

  it('rejects headers that are not an object', () => {
    expectMailerError(
      thrown(() => normalizeMessage({ to: 'a@x.com', headers: [['X-A', '1']] as unknown as Record<string, string> })),
      'MESSAGE_INVALID',
      'headers',
    );
  });

  it('rejects any header value containing a control character', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', '\u0000', '\u001f', '\u007f'), fc.nat(), (s, bad, pos) => {
        const i = pos % (s.length + 1);
        const value = s.slice(0, i) + bad + s.slice(i);
        expectMailerError(thrown(() => normalizeMessage({ to: 'a@x.com', headers: { 'X-V': value } })), 'MESSAGE_INVALID', 'headers.X-V');
      }),
    );
  });
});

describe('validateAttachmentSpecs', () => {
  it('is the function normalizeMessage uses', () => {
    expect(reExported).toBe(validateAttachmentSpecs);
    expectMailerError(
      thrown(() => normalizeMessage({ to: 'a@x.com', attachments: [{ filename: 'a.txt', content: 'x' }, { content: 'x' }] })),
      'MESSAGE_INVALID',
      'attachments[1].filename',
    );
  });

  it('accepts every valid form', () => {
    expect(() =>
      validateAttachmentSpecs([
        { filename: 'a.txt', content: 'x' },
        { filename: 'b.bin', content: Buffer.from('x') },
        { filename: 'c.bin', content: new Uint8Array([1]) },
        { filename: 'd.bin', content: Readable.from(['x']) },
        { path: '/tmp/does-not-matter.pdf' },
        { path: 'relative/report.pdf', filename: 'Report 2026 (final).pdf', contentType: 'application/pdf; name=x', cid: 'logo@x' },
        { filename: 'e.txt', content: 'x', contentType: null, cid: null } as never,
      ]),
    ).not.toThrow();
    expect(() => validateAttachmentSpecs(undefined)).not.toThrow();
    expect(() => validateAttachmentSpecs([])).not.toThrow();
  });

  it.each<[unknown, string]>([
    ['a.txt', 'attachments'],
    [{ filename: 'a.txt', content: 'x' }, 'attachments'],
    [[null], 'attachments[0]'],
    [['a.txt'], 'attachments[0]'],
    [[{ filename: 'a.txt' }], 'attachments[0]'],
    [[{ filename: 'a.txt', content: 'x', path: '/tmp/a.txt' }], 'attachments[0]'],
    [[{ content: 'x' }], 'attachments[0].filename'],
    [[{ filename: '', content: 'x' }], 'attachments[0].filename'],
    [[{ filename: '  ', content: 'x' }], 'attachments[0].filename'],
    [[{ filename: 'a\r\nb.txt', content: 'x' }], 'attachments[0].filename'],
    [[{ filename: 'a\u0000.txt', content: 'x' }], 'attachments[0].filename'],
    [[{ filename: '../etc/passwd', content: 'x' }], 'attachments[0].filename'],
    [[{ filename: 'dir\\a.txt', content: 'x' }], 'attachments[0].filename'],
    [[{ filename: '..', content: 'x' }], 'attachments[0].filename'],
    [[{ filename: 7, content: 'x' }], 'attachments[0].filename'],
    [[{ filename: 'a.txt', content: 7 }], 'attachments[0].content'],
    [[{ filename: 'a.txt', content: { hello: 1 } }], 'attachments[0].content'],
    [[{ path: '' }], 'attachments[0].path'],
    [[{ path: 7 }], 'attachments[0].path'],
    [[{ path: '/tmp/a\u0000b' }], 'attachments[0].path'],
    [[{ path: '/' }], 'attachments[0].path'],
    [[{ path: '/tmp/bad\nname.txt' }], 'attachments[0].path'],
    [[{ path: '/tmp/a.txt' }, { filename: 'b', content: 'x', contentType: 'pdf' }], 'attachments[1].contentType'],
    [[{ filename: 'b', content: 'x', contentType: 'text/plain\r\nX: y' }], 'attachments[0].contentType'],
    [[{ filename: 'b', content: 'x', contentType: 5 }], 'attachments[0].contentType'],
    [[{ filename: 'b', content: 'x', cid: '<logo@x>' }], 'attachments[0].cid'],
    [[{ filename: 'b', content: 'x', cid: 'lo\ngo' }], 'attachments[0].cid'],
    [[{ filename: 'b', content: 'x', cid: '' }], 'attachments[0].cid'],
    [[{ filename: 'b', content: 'x', cid: 5 }], 'attachments[0].cid'],
  ])('rejects %j, naming %s', (attachments, field) => {
    expectMailerError(thrown(() => validateAttachmentSpecs(attachments)), 'MESSAGE_INVALID', field);
  });

  it('accepts a path whose base name is usable only with an explicit filename', () => {
    expect(() => validateAttachmentSpecs([{ path: '/tmp/bad\nname.txt', filename: 'good.txt' }])).not.toThrow();
  });
});
