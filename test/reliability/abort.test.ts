import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { MailerError } from '../../src/index';
import { GRAPH, SEND_PATH, graphError, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { sleepMs } from './draft-fakes';
import { rejectionOf, trackedMailers, until } from './helpers';

const mailer = trackedMailers();

const mail = (to = 'ann@contoso.com') => ({ to, subject: 'Report', text: 'Attached.' });

/** Aborts, then measures how long the send takes to reject. */
async function abortAndMeasure(controller: AbortController, sending: Promise<unknown>) {
  const started = performance.now();
  controller.abort();
  const err = (await rejectionOf(sending)) as MailerError;
  return { err, ms: performance.now() - started };
}

describe('options.signal aborts a send at every stage with ABORTED, promptly', () => {
  it('already aborted: nothing is requested at all', async () => {
    const token = tokenEndpoint().reply(200, tokenReply());
    const controller = new AbortController();
    controller.abort();
    const err = (await rejectionOf(mailer().send(mail(), { signal: controller.signal }))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('ABORTED');
    expect(err.retriable).toBe(false);
    expect(token.isDone()).toBe(false);
  });

  it('queued behind maxConcurrency: leaves the queue at once and never reaches Graph', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const seen: string[] = [];
    nock(GRAPH)
      .post(SEND_PATH)
      .times(2)
      .reply(async function (_p, body) {
        seen.push((body as { message: { toRecipients: Array<{ emailAddress: { address: string } }> } }).message.toRecipients[0]!.emailAddress.address);
        await sleepMs(400);
        return [202, ''];
      });
    const m = mailer({ maxConcurrency: 1 });
    const first = m.send(mail('first@contoso.com'));
    const controller = new AbortController();
    const queued = m.send(mail('queued@contoso.com'), { signal: controller.signal });
    await until(() => seen.length === 1);
    const { err, ms } = await abortAndMeasure(controller, queued);
    expect(err.code).toBe('ABORTED');
    expect(err.message).toBe('Cancelled while waiting for a free mailbox slot.');
    expect(ms).toBeLessThan(100);
    await expect(first).resolves.toMatchObject({ attempts: 1 });
    // The queued message was never sent, and a later one takes the freed slot normally.
    await m.send(mail('later@contoso.com'));
    expect(seen).toEqual(['first@contoso.com', 'later@contoso.com']);
  });

  it('during the token request: rejects at once; the shared token request still serves the next send', async () => {
    let tokenRequests = 0;
    tokenEndpoint()
      .times(2)
      .reply(async () => {
        tokenRequests++;
        await sleepMs(400);
        return [200, tokenReply()];
      });
    const graph = nock(GRAPH).post(SEND_PATH).reply(202);
    const m = mailer();
    const controller = new AbortController();
    const sending = m.send(mail(), { signal: controller.signal });
    await until(() => tokenRequests === 1);
    const { err, ms } = await abortAndMeasure(controller, sending);
    expect(err.code).toBe('ABORTED');
    expect(err.message).toMatch(/token/);
    expect(ms).toBeLessThan(100);
    expect(graph.isDone()).toBe(false);
    await m.send(mail());
    expect(graph.isDone()).toBe(true);
    expect(tokenRequests).toBe(1);
  });

  it('during the sendMail request: rejects at once, and says the mail may still have been sent', async () => {
    tokenEndpoint().reply(200, tokenReply());
    let posts = 0;
    nock(GRAPH)
      .post(SEND_PATH)
      .reply(async () => {
        posts++;
        await sleepMs(2_000);
        return [202, ''];
      });
    const controller = new AbortController();
    const sending = mailer().send(mail(), { signal: controller.signal });
    await until(() => posts === 1);
    const { err, ms } = await abortAndMeasure(controller, sending);
    expect(err.code).toBe('ABORTED');
    expect(err.retriable).toBe(false);
    expect(ms).toBeLessThan(200);
    // The request was on its way: the caller must not assume nothing went out.
    expect(err.message).toMatch(/may have been sent/);
    expect(`${err.message} ${err.fix}`).toMatch(/Sent Items/);
    expect(posts).toBe(1);
  });

  it('during the wait before a retry (429 Retry-After: 30): rejects at once after one POST', async () => {
    tokenEndpoint().reply(200, tokenReply());
    let posts = 0;
    nock(GRAPH)
      .post(SEND_PATH)
      .times(2)
      .reply(() => {
        posts++;
        return [429, graphError('ApplicationThrottled', 'slow down'), { 'Retry-After': '30' }];
      });
    const controller = new AbortController();
    // The mailer logs the retry just before it starts waiting: wait for that event, not for a guessed delay.
    const warnings: string[] = [];
    const sending = mailer({ logger: { warn: (m: string) => warnings.push(m) } }).send(mail(), { signal: controller.signal });
    await until(() => warnings.some((w) => /answered 429 .* retrying in \d+ ms/.test(w)));
    const { err, ms } = await abortAndMeasure(controller, sending);
    expect(err.code).toBe('ABORTED');
    expect(err.message).not.toMatch(/may have been sent/);
    // Rejected during the 30 s wait, not after it (the bound is loose so that a loaded machine cannot fail it).
    expect(ms).toBeLessThan(1_000);
    expect(posts).toBe(1);
  });
});

describe('GraphRunner: a cancellation that lands as the slot is granted', () => {
  it('sends nothing and does not claim the mail may have gone out', async () => {
    const { GraphRunner } = await import('../../src/graph/graph-runner');
    const { RetryPolicy } = await import('../../src/reliability/retry-policy');
    const controller = new AbortController();
    let calls = 0;
    const runner = new GraphRunner({
      api: { call: async () => ((calls++, { status: 202, headers: new Headers(), body: undefined })) } as never,
      tokens: { getToken: async () => ({ token: 'warm', expiresOn: Date.now() + 3_600_000 }) } as never,
      // The slot is granted, and in the same turn the caller cancels.
      limiter: { run: async (fn: () => Promise<unknown>) => (controller.abort(), fn()) } as never,
      policy: new RetryPolicy(),
      secrets: () => [],
      context: () => ({}),
      logger: {},
    });
    const err = (await rejectionOf(
      runner.run({ method: 'POST', path: '/users/x/sendMail', body: {}, clientRequestId: 'c', couldDeliver: true, doing: 'sending the mail', signal: controller.signal }),
    )) as MailerError;
    expect(err.code).toBe('ABORTED');
    expect(err.message).not.toMatch(/may have been sent/);
    expect(calls).toBe(0);
  });
});
