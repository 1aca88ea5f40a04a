import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
const chunk = randomBytes(1024 * 1024);
const before = process.memoryUsage();
let peak = before.rss;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
let produced = 0;
const stream = new Readable({ read() { this.push(produced++ < 100 ? chunk : null); } });
const h = await fsp.open('/tmp/i14-fsw.bin', 'w');
for await (const c of stream) { let o = 0; while (o < c.length) { const { bytesWritten } = await h.write(c, o, c.length - o); o += bytesWritten; } }
await h.close();
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log('rss peak +', ((peak - before.rss) / 1048576).toFixed(1), 'external +', ((process.memoryUsage().external - before.external) / 1048576).toFixed(1));
