import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { resolveAttachments } from '/work/wt/i14/src/message/attachments.ts';
const chunk = randomBytes(1024 * 1024);
async function once(mb: number) {
  let produced = 0;
  const stream = new Readable({ read() { this.push(produced++ < mb ? chunk : null); } });
  const before = process.memoryUsage();
  let peak = before.rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const [a] = await resolveAttachments([{ filename: 'x.bin', content: stream }]);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const after = process.memoryUsage();
  console.log(mb, 'MiB spool: rss peak +', ((peak - before.rss) / 1048576).toFixed(1), 'external +', ((after.external - before.external) / 1048576).toFixed(1));
  await a!.dispose();
}
await once(5);
await once(100);
await once(100);
