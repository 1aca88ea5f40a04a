import { Readable } from 'node:stream';
const chunk = Buffer.alloc(1024 * 1024, 7); let n = 0;
const s = new Readable({ read() { this.push(n++ < 20 ? chunk : null); } });
const seen: unknown[] = [];
for await (const c of s) { seen.push(c); await new Promise((r) => setImmediate(r)); }
console.log(seen.length, seen.every((c) => c === chunk));
