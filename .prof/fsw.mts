import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
const chunk = randomBytes(1024 * 1024);
const mode = process.argv[2];
const before = process.memoryUsage();
let peak = before.rss;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
if (mode === 'write') {
  const h = await fsp.open('/tmp/i14-fsw.bin', 'w');
  for (let i = 0; i < 100; i++) await h.write(chunk, 0, chunk.length);
  await h.close();
} else {
  let produced = 0;
  const stream = new Readable({ read() { this.push(produced++ < 100 ? chunk : null); } });
  let n = 0;
  for await (const c of stream) n += (c as Buffer).length;
}
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(mode, 'rss peak +', ((peak - before.rss) / 1048576).toFixed(1), 'external +', ((process.memoryUsage().external - before.external) / 1048576).toFixed(1));
