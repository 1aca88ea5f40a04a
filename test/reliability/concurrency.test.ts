import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { GRAPH, SEND_PATH, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { DraftGraph, InFlight, UploadServer, readWriteTokens, sleepMs } from './draft-fakes';
import { trackedMailers } from './helpers';

const mailer = trackedMailers();

/** sendMail answered after `delayMs`, counting requests in flight and recording the recipients in arrival order. */
function slowSendMail(delayMs: number) {
  const inFlight = new InFlight();
  const order: string[] = [];
  nock(GRAPH)
    .persist()
    .post(SEND_PATH)
    .reply(async function (_path, body) {
      inFlight.enter();
      order.push((body as { message: { toRecipients: Array<{ emailAddress: { address: string } }> } }).message.toRecipients[0]!.emailAddress.address);
      await sleepMs(delayMs);
      inFlight.leave();
      return [202, ''];
    });
  return { inFlight, order };
}

describe('per-mailbox concurrency', () => {
  it('20 parallel sends: at most 4 requests in flight (the default), all 20 delivered once', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { inFlight, order } = slowSendMail(40);
    const m = mailer();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => m.send({ to: `u${i}@contoso.com`, subject: 's', text: 't' })));
    expect(results.every((r) => r.attempts === 1)).toBe(true);
    expect(order).toHaveLength(20);
    expect(new Set(order).size).toBe(20);
    expect(inFlight.max).toBe(4);
  });

  it('maxConcurrency 2 caps at 2', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { inFlight } = slowSendMail(30);
    const m = mailer({ maxConcurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => m.send({ to: `u${i}@contoso.com`, subject: 's', text: 't' })));
    expect(inFlight.max).toBe(2);
  });

  it('extra calls queue in order (maxConcurrency 1: Graph sees the sends in call order)', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const { inFlight, order } = slowSendMail(10);
    const m = mailer({ maxConcurrency: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => m.send({ to: `u${i}@contoso.com`, subject: 's', text: 't' })));
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `u${i}@contoso.com`));
    expect(inFlight.max).toBe(1);
  });

  it('upload chunks and draft steps take mailbox slots too', async () => {
    readWriteTokens();
    const upload = await new UploadServer().listen();
    try {
      const graph = new DraftGraph(upload);
      const inFlight = new InFlight();
      graph.inFlight = inFlight;
      upload.inFlight = inFlight;
      graph.delayMs = 20;
      upload.delayMs = 20;
      const m = mailer({ maxConcurrency: 2 });
      const big = Buffer.alloc(5 * 1024 * 1024, 1); // two chunks each
      await Promise.all(
        Array.from({ length: 3 }, (_, i) => m.send({ to: `u${i}@contoso.com`, subject: 's', attachments: [{ filename: `f${i}.bin`, content: big }] })),
      );
      expect(graph.sends.sort()).toEqual(['draft-1', 'draft-2', 'draft-3']);
      expect(upload.puts).toHaveLength(6);
      expect(inFlight.max).toBeLessThanOrEqual(2);
      expect(inFlight.max).toBe(2);
    } finally {
      await upload.close();
    }
  });
});
