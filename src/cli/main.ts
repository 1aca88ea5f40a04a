#!/usr/bin/env node
import { run } from './run';

// No top-level await: tsup also builds this entry as CommonJS.
void run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  isTTY: { stdin: process.stdin.isTTY === true, stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
  ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
}).then((code) => {
  process.exitCode = code;
});
