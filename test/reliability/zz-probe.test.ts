import nock from 'nock';
import { it } from 'vitest';
import { HttpClient } from '../../src/http/http-client';
import { UploadServer } from './draft-fakes';
import { exposeGc } from './helpers';
const gc = exposeGc();
const MB = 1024 * 1024;
async function run(label: string, fn: (i: number) => Promise<void>) {
  gc(); gc();
  const base = process.memoryUsage().rss; let peak = base;
  const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const s = performance.now();
  for (let i = 0; i < 26; i++) await fn(i);
  clearInterval(t);
  console.log(label, ((peak - base) / MB).toFixed(1), 'MB', (performance.now() - s).toFixed(0), 'ms', 'ext', (process.memoryUsage().arrayBuffers/MB).toFixed(1));
}
it('probe', async () => {
  const upload = await new UploadServer().listen();
  const total = 26 * 3_932_160;
  const http = new HttpClient({ timeoutMs: 30000 });
  for (const mode of ['nock', 'nock', 'nock', 'restored', 'restored', 'nock']) {
    if (mode === 'restored') nock.restore(); else if (!nock.isActive()) nock.activate();
    const url = upload.create(total);
    await run(mode, async (i) => {
      const chunk = Buffer.alloc(3_932_160, i);
      const res = await http.request({ method: 'PUT', url, headers: { 'Content-Range': `bytes ${i * 3_932_160}-${(i + 1) * 3_932_160 - 1}/${total}` }, body: chunk });
      if (res.status >= 300) throw new Error(String(res.status));
    });
  }
  await upload.close();
}, 60000);
