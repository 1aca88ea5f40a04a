import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Waits until `count` processes have called it with the same `dir` (files `<dir>/<id>.ready`). */
export async function barrier(dir: string, id: string, count: number, timeoutMs = 10_000): Promise<void> {
  await writeFile(join(dir, `${id}.ready`), '');
  const deadline = Date.now() + timeoutMs;
  while ((await readdir(dir)).filter((f) => f.endsWith('.ready')).length < count) {
    if (Date.now() > deadline) throw new Error('barrier timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
