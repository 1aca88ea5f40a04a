import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
const chunk = randomBytes(1024 * 1024);
const before = process.memoryUsage();
let peak = before.rss;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
let produced = 0; let reads = 0; let sizes = new Map();
const stream = new Readable({ read() { this.push(produced++ < 100 ? chunk : null); } });
const h = await fsp.open('/tmp/i14-fsw.bin', 'w');
if (process.argv[2] === 'data') {
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => { stream.pause(); sizes.set(c.length, (sizes.get(c.length) ?? 0) + 1); h.write(c, 0, c.length).then(() => stream.resume(), reject); });
    stream.on('end', resolve);
  });
} else {
  for await (const c of stream) { sizes.set(c.length, (sizes.get(c.length) ?? 0) + 1); await h.write(c, 0, c.length); }
}
await h.close();
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(process.argv[2], 'rss peak +', ((peak - before.rss) / 1048576).toFixed(1), 'external +', ((process.memoryUsage().external - before.external) / 1048576).toFixed(1), [...sizes]);
