import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SendResult } from '../../src/message/types';
import { GRAPH, SECRET, SENDER, SEND_PATH, fakeJwt, graphError, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { ANSI, ENV, cli, tempDir } from './cli-harness';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

const USER = `/v1.0/users/${encodeURIComponent(SENDER)}`;

describe('o365-mailer send', () => {
  it('sends, prints the result and exits 0', async () => {
    tokenEndpoint().reply(200, tokenReply());
    let body: any;
    nock(GRAPH)
      .post(SEND_PATH, (b) => ((body = b), true))
      .reply(202, '', { 'request-id': 'send-req-1' });
    const r = await cli(['send', '--to', 'ann@contoso.com', '--to', 'Bob <bob@contoso.com>', '--cc', 'carol@contoso.com', '--bcc', 'audit@contoso.com', '--subject', 'Report', '--text', 'Hello']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ Sent from lab@contoso\.com to 4 recipients via sendMail \(1 attempt\)\./);
    expect(r.stdout).toContain('Accepted: ann@contoso.com, bob@contoso.com, carol@contoso.com, audit@contoso.com');
    expect(r.stdout).toContain('Request ID: send-req-1');
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).toBe('');
    expect(body.message.subject).toBe('Report');
    expect(body.message.body).toEqual({ contentType: 'Text', content: 'Hello' });
    expect(body.message.toRecipients).toEqual([{ emailAddress: { address: 'ann@contoso.com' } }, { emailAddress: { name: 'Bob', address: 'bob@contoso.com' } }]);
  });

  it('--json prints the SendResult; --html-file and --attach make the Graph message', async () => {
    const html = join(dir, 'body.html');
    await writeFile(html, '<p>Hi</p>');
    const csv = join(dir, 'r.csv');
    await writeFile(csv, 'a,b\n1,2\n');
    tokenEndpoint().reply(200, tokenReply());
    let body: any;
    nock(GRAPH)
      .post(SEND_PATH, (b) => ((body = b), true))
      .reply(202, '', { 'request-id': 'send-req-2' });
    const r = await cli(['send', '--to', 'ann@contoso.com', '--subject', 's', '--html-file', html, '--attach', csv, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as SendResult;
    expect(result).toEqual({ accepted: ['ann@contoso.com'], attempts: 1, route: 'sendMail', format: 'json', messageId: expect.stringMatching(/^<.+@contoso\.com>$/), requestId: 'send-req-2' });
    expect(body.message.internetMessageId).toBe(result.messageId);
    expect(body.message.body).toEqual({ contentType: 'HTML', content: '<p>Hi</p>' });
    expect(body.message.attachments).toEqual([expect.objectContaining({ name: 'r.csv', contentBytes: Buffer.from('a,b\n1,2\n').toString('base64') })]);
  });

  it('a Graph refusal exits 1 with the code, step and fix (human on stderr, or --json on stdout)', async () => {
    for (const json of [false, true]) {
      tokenEndpoint().reply(200, tokenReply());
      nock(GRAPH).post(SEND_PATH).reply(404, graphError('MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.', 'req-404'), { 'request-id': 'req-404' });
      const r = await cli(['send', '--to', 'ann@contoso.com', '--subject', 's', '--text', 't', ...(json ? ['--json'] : [])]);
      expect(r.code).toBe(1);
      if (json) {
        const out = JSON.parse(r.stdout) as { ok: boolean; error: Record<string, unknown> };
        expect(out.ok).toBe(false);
        expect(out.error).toMatchObject({ code: 'MAILBOX_NOT_FOUND', step: 6, fix: expect.stringContaining('licensed Exchange Online mailbox'), requestId: 'req-404' });
      } else {
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^✖ Not sent \(MAILBOX_NOT_FOUND, step 6\): The sender lab@contoso\.com is not an Exchange Online mailbox/);
        expect(r.stderr).toMatch(/^ {4}Fix: .*licensed Exchange Online mailbox/m);
        expect(r.stderr).toContain('Request ID: req-404');
      }
      for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(SECRET);
    }
  });

  it('a secret Entra rejects exits 1 and never prints the secret', async () => {
    tokenEndpoint().reply(401, {
      error: 'invalid_client',
      error_description: `AADSTS7000215: Invalid client secret provided. client_secret=${SECRET}`,
      error_codes: [7000215],
    });
    const r = await cli(['send', '--to', 'ann@contoso.com', '--subject', 's', '--text', 't']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SECRET_INVALID, step 5');
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it('shows an upload progress bar on stderr when stderr is a TTY (large-attachment route)', async () => {
    const big = join(dir, 'big.bin');
    const size = 5 * 1024 * 1024;
    await writeFile(big, Buffer.alloc(size, 7));
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['Mail.Send', 'Mail.ReadWrite'] })));
    const uploadUrl = 'https://outlook.office.com/api/v2.0/Users/x/Messages/d1/AttachmentSessions/s1?authtoken=UPLOADTOKEN';
    nock(GRAPH)
      .post(`${USER}/messages`)
      .reply(201, { id: 'd1' })
      .post(`${USER}/messages/d1/attachments/createUploadSession`)
      .reply(201, { uploadUrl, expirationDateTime: '2030-01-01T00:00:00Z', nextExpectedRanges: ['0-'] })
      .post(`${USER}/messages/d1/send`)
      .reply(202, '', { 'request-id': 'draft-send-1' });
    nock('https://outlook.office.com')
      .put('/api/v2.0/Users/x/Messages/d1/AttachmentSessions/s1')
      .query(true)
      .times(2)
      .reply(function () {
        const range = String(this.req.headers['content-range']);
        const end = Number(/bytes \d+-(\d+)\//.exec(range)?.[1]);
        return end === size - 1 ? [201, ''] : [200, { nextExpectedRanges: [`${end + 1}-`] }];
      });
    const r = await cli(['send', '--to', 'ann@contoso.com', '--subject', 'big', '--text', 't', '--attach', big], { tty: { stderr: true }, columns: 100 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('via a draft with uploaded attachments');
    const frames = r.stderr.split('\r').filter(Boolean);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames.at(-1)).toMatch(/Uploading \[.*█.*\] 100% 5\.0 MiB \/ 5\.0 MiB\n$/);
    expect(r.stderr).not.toContain('UPLOADTOKEN');

    // Off a TTY: no bar at all.
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['Mail.Send', 'Mail.ReadWrite'] })));
    nock(GRAPH)
      .post(`${USER}/messages`)
      .reply(201, { id: 'd1' })
      .post(`${USER}/messages/d1/attachments/createUploadSession`)
      .reply(201, { uploadUrl })
      .post(`${USER}/messages/d1/send`)
      .reply(202);
    nock('https://outlook.office.com')
      .put('/api/v2.0/Users/x/Messages/d1/AttachmentSessions/s1')
      .query(true)
      .times(2)
      .reply(function () {
        const end = Number(/bytes \d+-(\d+)\//.exec(String(this.req.headers['content-range']))?.[1]);
        return end === size - 1 ? [201, ''] : [200, {}];
      });
    const quiet = await cli(['send', '--to', 'ann@contoso.com', '--subject', 'big', '--text', 't', '--attach', big]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('--text with --html-file sends both as multipart/alternative (MIME); --eml sends a prepared message as is', async () => {
    const html = join(dir, 'both.html');
    await writeFile(html, '<p>rich</p>');
    const eml = join(dir, 'prepared.eml');
    await writeFile(eml, 'To: ann@contoso.com\r\nSubject: prepared\r\nMessage-ID: <prepared-1@contoso.com>\r\n\r\nfrom a file\r\n');
    tokenEndpoint().times(2).reply(200, () => tokenReply());
    const bodies: string[] = [];
    const types: string[] = [];
    nock(GRAPH)
      .post(SEND_PATH, (b) => (bodies.push(String(b)), true))
      .times(2)
      .reply(function () {
        types.push(String(this.req.headers['content-type']));
        return [202, '', { 'request-id': 'mime-cli' }];
      });
    const both = await cli(['send', '--to', 'ann@contoso.com', '--subject', 'both', '--text', 'plain', '--html-file', html]);
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/Message-ID: <.+@contoso\.com>/);
    const mime = Buffer.from(bodies[0] ?? '', 'base64').toString();
    expect(mime).toMatch(/multipart\/alternative/);
    expect(mime).toContain('plain');
    expect(mime).toContain('<p>rich</p>');
    const sent = await cli(['send', '--eml', eml, '--json']);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ accepted: ['ann@contoso.com'], format: 'mime', messageId: '<prepared-1@contoso.com>' });
    expect(Buffer.from(bodies[1] ?? '', 'base64').toString()).toMatch(/^To: ann@contoso\.com\r\nSubject: prepared/);
    expect(types).toEqual(['text/plain', 'text/plain']);
  });

  describe('usage errors exit 2', () => {
    it.each([
      [['send', '--subject', 's', '--text', 't'], 'at least one recipient'],
      [['send', '--to', 'a@contoso.com', '--text', 't'], '--subject'],
      [['send', '--to', 'a@contoso.com', '--subject', 's'], 'a body'],
      [['send', '--to', 'a@contoso.com', '--subject', 's', '--html', '<p>h</p>', '--html-file', '/x.html'], 'Give one HTML body'],
      [['send', '--eml', '/nonexistent.eml'], '--eml /nonexistent.eml is not a readable file'],
      [['send', '--eml', '/nonexistent.eml', '--to', 'a@contoso.com'], '--to cannot be given with it'],
      [['send', '--to', 'a@contoso.com', '--subject', 's', '--html-file', '/nonexistent.html'], '--html-file /nonexistent.html cannot be read'],
      [['send', '--to', 'a@contoso.com', '--subject', 's', '--text', 't', '--attach', '/nonexistent.pdf'], '--attach /nonexistent.pdf is not a readable file'],
      [['send', '--to', 'not an address', '--subject', 's', '--text', 't'], 'MESSAGE_INVALID'],
      [['send', '--to', 'a@contoso.com', '--subject', 's', '--text', 't', '--file', 'x'], 'Unknown option --file'],
    ])('%j', async (argv, message) => {
      const r = await cli(argv as string[]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    });

    it('missing configuration names the variables', async () => {
      const r = await cli(['send', '--to', 'a@contoso.com', '--subject', 's', '--text', 't'], { env: { HOME: ENV.HOME, AZURE_CLIENT_SECRET: SECRET } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('AZURE_TENANT_ID');
      expect(r.stderr).toContain('O365_SENDER');
      expect(r.stderr).not.toContain(SECRET);
    });
  });
});
