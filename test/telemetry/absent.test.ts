import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { O365OAuthMailer } from '../../src/index';
import { loadOtelApi } from '../../src/telemetry/otel-api';

// As in an application that does not install the optional peer dependency.
vi.mock('@opentelemetry/api', () => {
  const error = new Error("Cannot find package '@opentelemetry/api'") as Error & { code: string };
  error.code = 'ERR_MODULE_NOT_FOUND';
  throw error;
});

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

describe('without @opentelemetry/api', () => {
  it('the loader says so, and the mailer sends, logs and verifies as before', async () => {
    expect(await loadOtelApi()).toBeUndefined();
    const spansAsked: string[] = [];
    const tracerProvider = { getTracer: (name: string) => (spansAsked.push(name), {}) };
    const debug: string[] = [];
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ telemetry: { tracerProvider }, logger: { debug: (m) => debug.push(m) } }));
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 'S', text: 'T' });
    expect(result).toMatchObject({ accepted: ['ann@contoso.com'], route: 'sendMail', attempts: 1 });
    expect((await mailer.verify()).ok).toBe(true);
    await mailer.close();
    expect(spansAsked).toEqual([]);
    expect(debug.some((line) => line.includes('/sendMail → 202'))).toBe(true);
    expect(emulator.messages).toHaveLength(1);
  });
});
