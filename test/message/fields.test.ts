import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { normalizeMessage } from '../../src/message/normalize';
import type { MailMessage } from '../../src/message/types';
import { expectMailerError, thrown } from './helpers';

const norm = (m: Record<string, unknown>, disableFileAccess = false) => normalizeMessage(m as MailMessage, { disableFileAccess });

describe('strict fields: nothing is silently dropped', () => {
  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ to: 'a@x.com', attachment: [{ filename: 'a', content: 'x' }] }, 'attachment', /did you mean attachments\?/],
    [{ to: 'a@x.com', replyto: 'b@x.com' }, 'replyto', /did you mean replyTo\?/],
    [{ to: 'a@x.com', subjet: 'x' }, 'subjet', /did you mean subject\?/],
    [{ to: 'a@x.com', htm: '<p>' }, 'htm', /did you mean html\?/],
    [{ to: 'a@x.com', colour: 'red' }, 'colour', /is not a field of a message/],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', contentTyp: 'text/plain' }] }, 'attachments[0].contentTyp', /did you mean contentType\?/],
  ])('refuses the unknown field in %j, naming %s', (message, field, pattern) => {
    const e = expectMailerError(thrown(() => norm(message)), 'MESSAGE_INVALID', field);
    expect(e.message).toMatch(pattern);
    expect(e.fix).toBeTruthy();
  });

  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ to: 'a@x.com', envelope: { to: 'b@x.com' } }, 'envelope', /recipients from the message itself/],
    [{ to: 'a@x.com', dsn: { notify: 'failure' } }, 'dsn', /delivery status/],
    [{ to: 'a@x.com', amp: '<html amp4email>' }, 'amp', /AMP/],
    [{ to: 'a@x.com', dkim: {} }, 'dkim', /DKIM/],
    [{ to: 'a@x.com', attachments: [{ filename: 'a.pdf', href: 'http://169.254.169.254/' }] }, 'attachments[0].href', /fetch any address/],
    [{ to: 'a@x.com', icalEvent: { href: 'http://x.example/a.ics' } }, 'icalEvent.href', /download a URL/],
    [{ to: 'a@x.com', otp: { code: '1' } }, 'otp', /OTP-Token/],
    [{ to: 'a@x.com', encoding: 'base64' }, 'encoding', /ambiguous/],
    [{ to: 'a@x.com', newline: 'unix' }, 'newline', /CRLF/],
    [{ to: 'a@x.com', baseBoundary: 'b' }, 'baseBoundary', /boundaries/],
    [{ to: 'a@x.com', boundaryPrefix: 'b' }, 'boundaryPrefix', /boundaries/],
    [{ to: 'a@x.com', normalizeHeaderKey: (k: string) => k }, 'normalizeHeaderKey', /header names/],
    [{ to: 'a@x.com', maxRecipients: 10 }, 'maxRecipients', /500 recipients/],
    [{ to: 'a@x.com', signal: AbortSignal.abort() }, 'signal', /send option/],
    [{ to: 'a@x.com', auth: { user: 'u' } }, 'auth', /app credentials/],
    [{ to: 'a@x.com', ses: {} }, 'ses', /SES/],
    [{ to: 'a@x.com', requireTLSExtensionEnabled: true }, 'requireTLSExtensionEnabled', /TLS/],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', contentTransferEncoding: '7bit' }] }, 'attachments[0].contentTransferEncoding', /corrupt/],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', href: 'https://x.example/a', tls: {} }] }, 'attachments[0].href', /fetch any address/],
  ])('refuses %j with why, naming %s', (message, field, why) => {
    const e = expectMailerError(thrown(() => norm(message)), 'MESSAGE_INVALID', field);
    expect(e.message).toMatch(why);
  });

  it('treats a field whose value is undefined as absent', () => {
    expect(() => norm({ to: 'a@x.com', envelope: undefined, attachment: undefined })).not.toThrow();
  });
});

describe('routing: JSON for what it represents exactly, MIME for the rest', () => {
  it.each<[Record<string, unknown>, string[] | undefined]>([
    [{ to: 'a@x.com', text: 't' }, undefined],
    [{ to: 'a@x.com', html: '<p>h</p>', messageId: '<a@b.c>', priority: 'high', headers: { 'X-A': '1' } }, undefined],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'aGk=', encoding: 'base64', cid: 'c', contentDisposition: 'inline' }] }, undefined],
    [{ to: 'a@x.com', text: 't', html: 'h' }, ['text+html']],
    [{ to: 'a@x.com', inReplyTo: '<a@b.c>', references: '<z@b.c> <a@b.c>' }, ['inReplyTo', 'references']],
    [{ to: 'a@x.com', date: new Date(0), sender: 'b@x.com', list: { unsubscribe: 'https://u' } }, ['date', 'list', 'sender']],
    [{ to: 'a@x.com', alternatives: [{ contentType: 'text/x-web-markdown', content: '*' }] }, ['alternatives']],
    [{ to: 'a@x.com', icalEvent: { content: 'BEGIN:VCALENDAR' } }, ['icalEvent']],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', headers: { 'X-Scan': 'ok' } }] }, ['attachments[0].headers']],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', contentDisposition: 'inline' }] }, ['attachments[0].contentDisposition']],
    [{ to: 'a@x.com', attachments: [{ raw: 'Content-Type: text/plain\r\n\r\nx' }] }, ['attachments[0].raw']],
    [{ raw: 'To: a@x.com\r\n\r\nx' }, ['raw']],
    [{ to: 'a@x.com', html: 'h', watchHtml: '<b>w</b>' }, ['watchHtml']],
    [{ to: 'a@x.com', text: 't', textEncoding: 'base64' }, ['textEncoding']],
    [{ to: 'a@x.com', text: 't', xMailer: 'Shop 2.1' }, ['xMailer']],
    [{ to: 'a@x.com', text: 't', xMailer: false, attachDataUrls: true, disableUrlAccess: true }, undefined],
    [{ raw: 'To: a@x.com\r\n\r\nx', disableUrlAccess: true }, ['raw']],
  ])('%j → %j', (message, reasons) => {
    expect(norm(message).mimeReasons).toStrictEqual(reasons);
  });

  it('refuses an empty header value on MIME, where nodemailer would leave the header out', () => {
    expect(norm({ to: 'a@x.com', headers: { 'X-Empty': '' } }).headers).toStrictEqual([{ name: 'X-Empty', value: '' }]);
    const e = expectMailerError(thrown(() => norm({ to: 'a@x.com', text: 't', html: 'h', headers: { 'X-Empty': ' ' } })), 'MESSAGE_INVALID', 'headers.X-Empty');
    expect(e.message).toMatch(/left out/);
  });

  it('maps priority to importance and refuses a contradiction', () => {
    expect(norm({ to: 'a@x.com', priority: 'low' }).importance).toBe('low');
    expectMailerError(thrown(() => norm({ to: 'a@x.com', priority: 'low', importance: 'high' })), 'MESSAGE_INVALID', 'priority');
    expectMailerError(thrown(() => norm({ to: 'a@x.com', priority: 'urgent' })), 'MESSAGE_INVALID', 'priority');
  });

  it('keeps the Message-ID in angle brackets and refuses a malformed one', () => {
    expect(norm({ to: 'a@x.com', messageId: 'id-1@shop.example' }).messageId).toBe('<id-1@shop.example>');
    expect(norm({ to: 'a@x.com', messageId: '<id-1@shop.example>' }).messageId).toBe('<id-1@shop.example>');
    for (const bad of ['no-at-sign', '<a@b> <c@d>', 'a b@c', 'a@b\r\nBcc: x@y', 42, '']) {
      expectMailerError(thrown(() => norm({ to: 'a@x.com', messageId: bad })), 'MESSAGE_INVALID', 'messageId');
    }
    expectMailerError(thrown(() => norm({ to: 'a@x.com', inReplyTo: 'x' })), 'MESSAGE_INVALID', 'inReplyTo');
    expectMailerError(thrown(() => norm({ to: 'a@x.com', references: ['<a@b>', 'bad'] })), 'MESSAGE_INVALID', 'references[1]');
  });

  it.each<[Record<string, unknown>, string]>([
    [{ to: 'a@x.com', date: 'not a date' }, 'date'],
    [{ to: 'a@x.com', date: new Date(Number.NaN) }, 'date'],
    [{ to: 'a@x.com', sender: 'a@x.com, b@x.com' }, 'sender'],
    [{ to: 'a@x.com', list: { unsubscribe: 'https://u\r\nBcc: x@y' } }, 'list.unsubscribe'],
    [{ to: 'a@x.com', list: { 'un subscribe': 'https://u' } }, 'list.un subscribe'],
    [{ to: 'a@x.com', alternatives: [{ content: 'x' }] }, 'alternatives[0].contentType'],
    [{ to: 'a@x.com', alternatives: [{ contentType: 'text/plain', content: 1 }] }, 'alternatives[0].content'],
    [{ to: 'a@x.com', alternatives: [{ contentType: 'text/plain', content: 'x', path: '/etc/passwd' }] }, 'alternatives[0].path'],
    [{ to: 'a@x.com', icalEvent: { method: 'REQUEST' } }, 'icalEvent'],
    [{ to: 'a@x.com', icalEvent: { method: 'RE QUEST', content: 'x' } }, 'icalEvent.method'],
    [{ raw: 'To: a@x.com\r\n\r\nx', subject: 'ignored' }, 'subject'],
    [{ raw: 42 }, 'raw'],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', encoding: 'base65' }] }, 'attachments[0].encoding'],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: Buffer.from('x'), encoding: 'base64' }] }, 'attachments[0].encoding'],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', contentDisposition: 'attached' }] }, 'attachments[0].contentDisposition'],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', headers: { 'Content-Type': 'text/html' } }] }, 'attachments[0].headers.Content-Type'],
    [{ to: 'a@x.com', attachments: [{ filename: 'a', content: 'x', headers: { 'X-A': 'a\nb' } }] }, 'attachments[0].headers.X-A'],
    [{ to: 'a@x.com', attachments: [{ raw: 'x', filename: 'a' }] }, 'attachments[0].filename'],
    [{ to: 'a@x.com', attachments: [{ raw: 42 }] }, 'attachments[0].raw'],
    [{ to: 'a@x.com', watchHtml: Buffer.from('w') }, 'watchHtml'],
    [{ to: 'a@x.com', text: 't', textEncoding: 'qp' }, 'textEncoding'],
    [{ to: 'a@x.com', xMailer: 'a\r\nBcc: x@y' }, 'xMailer'],
    [{ to: 'a@x.com', xMailer: true }, 'xMailer'],
    [{ to: 'a@x.com', attachDataUrls: 'yes' }, 'attachDataUrls'],
    [{ to: 'a@x.com', disableUrlAccess: 1 }, 'disableUrlAccess'],
  ])('refuses %j naming %s', (message, field) => {
    expectMailerError(thrown(() => norm(message)), 'MESSAGE_INVALID', field);
  });
});

describe('disableFileAccess', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ to: 'a@x.com', attachments: [{ path: '/etc/passwd' }] }, 'attachments[0].path'],
    [{ to: 'a@x.com', icalEvent: { path: '/tmp/a.ics' } }, 'icalEvent.path'],
    [{ raw: { path: '/tmp/a.eml' } }, 'raw.path'],
  ])('refuses the path in %j (naming %s) when disabled by the option or by the message', (message, field) => {
    const e = expectMailerError(thrown(() => norm(message, true)), 'MESSAGE_INVALID', field);
    expect(e.message).toMatch(/file access is disabled/);
    expectMailerError(thrown(() => norm({ ...message, disableFileAccess: true })), 'MESSAGE_INVALID', field);
    expect(() => norm(message)).not.toThrow();
  });

  it('still takes content given in memory or as a stream', () => {
    expect(() => norm({ to: 'a@x.com', attachments: [{ filename: 'a', content: Readable.from(['x']) }] }, true)).not.toThrow();
  });
});
