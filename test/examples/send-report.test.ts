import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { emulatedProject, type EmulatedProject } from '../helpers/emulated-run';

// examples/send-report.ts, unchanged, configured through the environment as its header says, against the emulator.
const example = resolve(__dirname, '../../examples/send-report.ts');

describe('examples/send-report.ts', () => {
  let emulator: Emulator;
  let project: EmulatedProject;
  beforeAll(async () => {
    emulator = await startEmulator();
    project = emulatedProject(emulator);
    writeFileSync(join(project.dir, 'small.pdf'), '%PDF-1.4\n% a small report\n');
    // Over Graph's 4 MB request: the upload-session route, whose progress the example prints.
    writeFileSync(join(project.dir, 'large.pdf'), Buffer.alloc(5 * 1024 * 1024, 0x25));
  });
  afterAll(async () => {
    project?.remove();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  it('sends the report given on the command line and prints who it went to', async () => {
    const run = await project.run(example, ['small.pdf'], { REPORT_TO: 'qa@contoso.com' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Sent to qa@contoso\.com \(request [0-9a-f-]{36}\)$/m);
    expect(emulator.messages.map((m) => [m.subject, m.to[0]?.address, m.attachments.map((a) => a.name)])).toEqual([['Lab report', 'qa@contoso.com', ['small.pdf']]]);
  }, 60_000);

  it('a large report goes through an upload session with progress lines (Mail.ReadWrite granted)', async () => {
    emulator.grant(emulator.clientId, ['Mail.Send', 'Mail.ReadWrite']);
    const run = await project.run(example, ['large.pdf'], { REPORT_TO: 'qa@contoso.com' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^uploaded 5242880 of 5242880 bytes$/m);
    expect(emulator.messages[0]?.attachments.map((a) => [a.name, a.size])).toEqual([['large.pdf', 5 * 1024 * 1024]]);
  }, 60_000);

  it('a wrong secret prints the code, the setup step and the fix, exits 1, and sends nothing', async () => {
    const run = await project.run(example, ['small.pdf'], { REPORT_TO: 'qa@contoso.com', AZURE_CLIENT_SECRET: 'not-the-secret-value-of-step-5' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^SECRET_INVALID \(setup step 5\): .+\nFix: .+/m);
    expect(run.stderr + run.stdout).not.toContain(emulator.clientSecret);
    expect(emulator.messages).toEqual([]);
  }, 60_000);
});
