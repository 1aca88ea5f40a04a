import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MailerError } from '../../src/index';
import { GRAPH, SEND_PATH, fakeJwt, graphError, mailerConfig, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { rejectionOf, trackedMailers, until } from './helpers';

const mail = { to: 'ann@contoso.com', subject: 'Report', text: 'Attached.' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const mailer = trackedMailers();
afterEach(() => {
  vi.useRealTimers();
});

/** Records each sendMail POST's client-request-id and answers with the given replies in turn. */
function graphSequence(replies: Array<[number, unknown?, Record<string, string>?]>) {
  const ids: string[] = [];
  const times: number[] = [];
  let scope = nock(GRAPH);
  for (const [status, body, headers] of replies) {
    scope = scope.post(SEND_PATH).reply(function () {
      ids.push(String(this.req.headers['client-request-id']));
      times.push(performance.now());
      return [status, body === undefined ? '' : (body as nock.Body), headers ?? {}];
    });
  }
  return { scope, ids, times };
}

const throttled = (retryAfter?: string) =>
  [429, graphError('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'), retryAfter === undefined ? {} : { 'Retry-After': retryAfter }] as [number, unknown, Record<string, string>];
const unavailable = (retryAfter?: string) =>
  [503, graphError('ServiceUnavailable', 'Service Unavailable'), retryAfter === undefined ? {} : { 'Retry-After': retryAfter }] as [number, unknown, Record<string, string>];

describe('429 and 503 are retried after Retry-After', () => {
  it('429 with Retry-After: 1 (seconds) waits a second, then sends with the same client-request-id', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { scope, ids, times } = graphSequence([throttled('1'), [202, undefined, { 'request-id': 'rid-2' }]]);
    const result = await mailer().send(mail);
    expect(scope.isDone()).toBe(true);
    expect(result).toMatchObject({ attempts: 2, requestId: 'rid-2', route: 'sendMail' });
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(990);
    expect(times[1]! - times[0]!).toBeLessThan(2_500);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(UUID);
    expect(ids[1]).toBe(ids[0]);
  });

  it('429 with Retry-After as an HTTP date waits until that date (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-11-29T09:00:00.000Z'));
    tokenEndpoint().reply(200, tokenReply());
    const { scope, ids } = graphSequence([throttled('Sun, 29 Nov 2026 09:00:30 GMT'), [202]]);
    const sending = mailer().send(mail);
    let settled = false;
    void sending.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Wait until the mailer is asleep on its (fake) Retry-After timer, however slowly the 429 was processed.
    await until(() => ids.length === 1 && vi.getTimerCount() > 0);
    await vi.advanceTimersByTimeAsync(29_000);
    // A second of the 30 s wait is still to go.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(ids).toHaveLength(1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    // Keep the fake clock ticking (by 0 ms: no further time passes) so that timers set from here on can run.
    await until(() => {
      void vi.advanceTimersByTimeAsync(0);
      return settled;
    });
    const result = await sending;
    expect(result.attempts).toBe(2);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect(scope.isDone()).toBe(true);
  });

  it('a Retry-After longer than retry.maxDelayMs is capped', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { times } = graphSequence([throttled('3600'), [202]]);
    const result = await mailer({ retry: { maxDelayMs: 200 } }).send(mail);
    expect(result.attempts).toBe(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(190);
    expect(times[1]! - times[0]!).toBeLessThan(1_500);
  });

  it('503 then success: attempts 2', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { scope, ids } = graphSequence([unavailable('0'), [202]]);
    const result = await mailer().send(mail);
    expect(result.attempts).toBe(2);
    expect(scope.isDone()).toBe(true);
    expect(new Set(ids).size).toBe(1);
  });

  it('without Retry-After, 503 is retried after a backoff capped by maxDelayMs', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { times } = graphSequence([unavailable(), unavailable(), [202]]);
    const result = await mailer({ retry: { maxDelayMs: 80 } }).send(mail);
    expect(result.attempts).toBe(3);
    // Each backoff is at least half its ceiling (80 ms once capped) and at most the cap.
    for (const gap of [times[1]! - times[0]!, times[2]! - times[1]!]) {
      expect(gap).toBeGreaterThanOrEqual(35);
      expect(gap).toBeLessThan(1_000);
    }
  });
});

describe('when retries run out', () => {
  it('a 429 storm ends in THROTTLED (retriable) after exactly maxRetries + 1 POSTs (default 3 → 4)', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { scope, ids } = graphSequence([throttled('0'), throttled('0'), throttled('0'), throttled('0')]);
    const extra = nock(GRAPH).post(SEND_PATH).reply(202);
    const err = (await rejectionOf(mailer().send(mail))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('THROTTLED');
    expect(err.retriable).toBe(true);
    expect(err.status).toBe(429);
    expect(scope.isDone()).toBe(true);
    expect(extra.isDone()).toBe(false);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(1);
  });

  it('with retry.maxRetries 1, a 429 storm stops after 2 POSTs', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { ids } = graphSequence([throttled('0'), throttled('0'), throttled('0')]);
    const err = (await rejectionOf(mailer({ retry: { maxRetries: 1 } }).send(mail))) as MailerError;
    expect(err.code).toBe('THROTTLED');
    expect(ids).toHaveLength(2);
    expect(nock.pendingMocks()).toHaveLength(1);
  });

  it('a 503 storm ends in SERVICE_UNAVAILABLE (retriable) after maxRetries + 1 POSTs', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { ids } = graphSequence([unavailable('0'), unavailable('0'), unavailable('0')]);
    const err = (await rejectionOf(mailer({ retry: { maxRetries: 2 } }).send(mail))) as MailerError;
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.retriable).toBe(true);
    expect(err.status).toBe(503);
    expect(ids).toHaveLength(3);
  });
});

describe('ambiguous answers to sendMail are never repeated', () => {
  for (const status of [504, 500, 502]) {
    it(`${status} on sendMail → DELIVERY_UNKNOWN after exactly ONE POST`, async () => {
      tokenEndpoint().reply(200, tokenReply());
      const { scope, ids } = graphSequence([[status, graphError('UnknownError', '', 'rid-amb'), { 'Retry-After': '0' }]]);
      const second = nock(GRAPH).post(SEND_PATH).reply(202);
      const err = (await rejectionOf(mailer().send(mail))) as MailerError;
      expect(err).toBeInstanceOf(MailerError);
      expect(err.code).toBe('DELIVERY_UNKNOWN');
      expect(err.retriable).toBe(false);
      expect(err.status).toBe(status);
      expect(err.requestId).toBe('rid-amb');
      expect(err.message).toMatch(/may have been sent/);
      expect(err.message).toMatch(/Sent Items/);
      expect(scope.isDone()).toBe(true);
      expect(second.isDone()).toBe(false);
      expect(ids).toHaveLength(1);
    });
  }

  it('a 400 is final and not retried', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { ids } = graphSequence([[400, graphError('ErrorInvalidRecipients', 'At least one recipient is not valid.')], [202]]);
    const err = (await rejectionOf(mailer().send(mail))) as MailerError;
    expect(err.code).toBe('MESSAGE_INVALID');
    expect(err.retriable).toBe(false);
    expect(ids).toHaveLength(1);
  });
});

describe('401 InvalidAuthenticationToken', () => {
  it('gets one fresh token; with a 429 after it, the same client-request-id travels on all three POSTs', async () => {
    const first = fakeJwt({ roles: ['Mail.Send'], n: 1 });
    const second = fakeJwt({ roles: ['Mail.Send'], n: 2 });
    const tokens = tokenEndpoint().reply(200, tokenReply(first)).post(`/${mailerConfig().tenantId}/oauth2/v2.0/token`).query(true).reply(200, tokenReply(second));
    const auth: string[] = [];
    const ids: string[] = [];
    nock(GRAPH)
      .post(SEND_PATH)
      .times(3)
      .reply(function () {
        auth.push(String(this.req.headers.authorization));
        ids.push(String(this.req.headers['client-request-id']));
        if (auth.length === 1) return [401, graphError('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.')];
        if (auth.length === 2) return [429, graphError('ApplicationThrottled', 'slow down'), { 'Retry-After': '0' }];
        return [202, ''];
      });
    const result = await mailer().send(mail);
    expect(tokens.isDone()).toBe(true);
    expect(auth).toEqual([`Bearer ${first}`, `Bearer ${second}`, `Bearer ${second}`]);
    expect(result.attempts).toBe(3);
    expect(new Set(ids).size).toBe(1);
  });

  it('a second 401 after the refresh is final (exactly two POSTs, two token requests)', async () => {
    let tokenCalls = 0;
    tokenEndpoint()
      .times(3)
      .reply(200, () => tokenReply(fakeJwt({ roles: ['Mail.Send'], n: ++tokenCalls })));
    const { ids } = graphSequence([
      [401, graphError('InvalidAuthenticationToken', 'Access token validation failure.')],
      [401, graphError('InvalidAuthenticationToken', 'Access token validation failure.')],
      [202],
    ]);
    const err = (await rejectionOf(mailer().send(mail))) as MailerError;
    expect(err.status).toBe(401);
    expect(err.retriable).toBe(false);
    expect(ids).toHaveLength(2);
    expect(tokenCalls).toBe(2);
  });
});
