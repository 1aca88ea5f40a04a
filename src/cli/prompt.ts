import { createInterface } from 'node:readline';
import { Interrupted, type CliContext } from './io';

/**
 * Asks for a value at the terminal without echoing it: raw mode, every key handled here, nothing written back
 * but the prompt and a final line break. Enter ends the input, Backspace deletes, Ctrl+C rejects with
 * {@link Interrupted}, Ctrl+U clears, escape sequences (arrow keys) are ignored. The prompt goes to stderr.
 */
export function promptHidden(ctx: CliContext, question: string): Promise<string> {
  const stdin = ctx.io.stdin;
  ctx.err(question);
  if (typeof stdin.setRawMode !== 'function') return promptLineMuted(ctx);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let value = '';
    let escape = false;
    const finish = () => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      ctx.err('\n');
    };
    const onEnd = () => {
      finish();
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (escape) {
          // CSI sequences end with a letter or '~'; a lone ESC followed by another key ends at that key.
          if (/[A-Za-z~]/.test(ch)) escape = false;
          continue;
        }
        switch (ch) {
          case '\r':
          case '\n':
          case '\u0004': // Ctrl+D
            finish();
            resolve(value);
            return;
          case '\u0003': // Ctrl+C
            finish();
            reject(new Interrupted());
            return;
          case '\u007f':
          case '\b':
            value = Array.from(value).slice(0, -1).join('');
            continue;
          case '\u0015': // Ctrl+U
            value = '';
            continue;
          case '\u001b':
            escape = true;
            continue;
          default:
            if (ch >= ' ') value += ch;
        }
      }
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}

/** A terminal without raw mode: read one line through readline, writing nothing back. */
function promptLineMuted(ctx: CliContext): Promise<string> {
  return new Promise<string>((resolve) => {
    const rl = createInterface({ input: ctx.io.stdin, terminal: false });
    let done = false;
    rl.once('line', (line) => {
      done = true;
      rl.close();
      ctx.err('\n');
      resolve(line);
    });
    rl.once('close', () => {
      if (!done) resolve('');
    });
  });
}

/** Reads all of standard input (a pipe or file) as UTF-8. */
export async function readAllStdin(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.io.stdin as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
