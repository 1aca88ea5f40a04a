import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { emulatedProject, type ChildRun as Run, type EmulatedProject } from '../helpers/emulated-run';
import { asRunnableModule, snippets, type Snippet } from './snippet-kit';

// A newcomer's first copy-paste must work: every README and docs/ snippet that can run without infrastructure we
// cannot start here is run, unchanged, in its own Node process against the emulator. The emulator's values are put
// where a user puts theirs (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, O365_SENDER); the only addition
// is the emulator's endpoints and CA on every mailer (test/helpers/emulated-run.ts). The others are type-checked
// (snippets.test.ts), and each says here why it cannot run.

interface RunSpec {
  /** The doc, and a piece of the snippet's code that tells it from the doc's other snippets. */
  file: string;
  marker: string;
  env?: Record<string, string>;
  check(run: Run, emulator: Emulator): void;
}

/** Configuration snippets: they build a mailer and stop. The constructor validates synchronously, strict keys included. */
const constructs = (run: Run) => {
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe('');
  expect(run.status).toBe(0);
};

const RUN: RunSpec[] = [
  {
    file: 'README.md',
    marker: "sender: 'lab-reports@contoso.com'",
    check(run, emulator) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(emulator.messages.map((m) => ({ mailbox: m.mailbox, to: m.to.map((a) => a.address), subject: m.subject, text: m.text, files: m.attachments.map((a) => a.name) }))).toEqual([
        { mailbox: 'lab-reports@contoso.com', to: ['qa@contoso.com'], subject: 'Report', text: 'Attached.', files: ['report.pdf'] },
      ]);
    },
  },
  {
    file: 'README.md',
    marker: 'await mailer.send(message);',
    // A message without recipients: the snippet's catch prints the code, step and fix.
    env: { SNIPPET_MESSAGE: JSON.stringify({ subject: 'Report', text: 'Attached.' }) },
    check(run, emulator) {
      expect(run.status).toBe(0);
      expect(run.stderr).toMatch(/^MESSAGE_INVALID \(step -\): .*recipient.*\n\S.+\n$/);
      expect(emulator.messages).toEqual([]);
    },
  },
  {
    file: 'README.md',
    marker: "mailer.verify({ to: 'admin@contoso.com' })",
    check(run, emulator) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      for (const id of ['tenant', 'credentials', 'permission', 'test-email']) expect(run.stdout).toMatch(new RegExp(`^pass ${id} `, 'm'));
      expect(run.stdout).not.toMatch(/^fail /m);
      expect(emulator.messages.map((m) => m.to[0]?.address)).toEqual(['admin@contoso.com']);
    },
  },
  {
    file: 'docs/coming-from-nodemailer.md',
    marker: 'createGraphTransport({ authType',
    check(run, emulator) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const [mail] = emulator.messages;
      expect(run.stdout).toBe(`${mail?.messageId}\n`);
      expect(mail).toMatchObject({ mailbox: 'lab@contoso.com', subject: 'Report', text: 'Attached.', html: '<p>Attached.</p>', format: 'mime' });
    },
  },
  { file: 'docs/observability.md', marker: 'telemetry: { includeMailbox: true }', check: constructs },
  { file: 'docs/security.md', marker: 'clientCertificate: {', check: constructs },
  { file: 'docs/security.md', marker: 'federatedTokenFile: process.env', env: { AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token' }, check: constructs },
  { file: 'docs/security.md', marker: 'ACTIONS_ID_TOKEN_REQUEST_URL', check: constructs },
  { file: 'docs/secrets-and-tokens.md', marker: 'new EncryptedFileSecretStore(', env: { SECRET_PASSPHRASE: 'correct horse battery staple' }, check: constructs },
];

/** Snippets that are type-checked only, and why they cannot run here. */
const TYPECHECK_ONLY: Array<{ file: string; marker: string; why: string }> = [
  { file: 'docs/outbox.md', marker: "sqlite: '/var/lib/lab/outbox.db'", why: 'writes under /var/lib and runs until stopped (outbox.start()); test/outbox runs the outbox against the emulator' },
  { file: 'docs/outbox.md', marker: 'process.env.REDIS_URL', why: "a fleet's Redis and mailers, running until SIGTERM" },
  { file: 'docs/secrets-and-tokens.md', marker: 'new RedisTokenCache(', why: 'needs a Redis server (test/token-cache runs RedisTokenCache against a real one)' },
  { file: 'docs/security.md', marker: 'managedIdentity: true', why: "a placeholder client ID, and Azure's managed identity endpoint" },
];

const find = (all: Snippet[], { file, marker }: { file: string; marker: string }) => all.filter((s) => s.file === file && s.code.includes(marker));

describe('README and docs snippets run against the emulator', () => {
  const all = snippets();
  // A project of its own (an ES module package, the repository's node_modules linked): tsx applies tsconfig paths to
  // files outside node_modules only.
  let emulator: Emulator;
  let project: EmulatedProject;

  beforeAll(async () => {
    emulator = await startEmulator({ mailboxes: ['sender@contoso.onmicrosoft.com', 'lab-reports@contoso.com', 'lab@contoso.com', 'reports@contoso.com'] });
    project = emulatedProject(emulator);
    writeFileSync(join(project.dir, 'report.pdf'), '%PDF-1.4\n% a report\n');
  });
  afterAll(async () => {
    project?.remove();
    await emulator?.close();
  });
  beforeEach(() => emulator.reset());

  it('every snippet is either run here or type-checked only with a reason, and each entry names one snippet', () => {
    for (const entry of [...RUN, ...TYPECHECK_ONLY]) expect(find(all, entry).map((s) => s.where), `${entry.file}: ${entry.marker}`).toHaveLength(1);
    const classified = new Set([...RUN, ...TYPECHECK_ONLY].flatMap((entry) => find(all, entry).map((s) => s.where)));
    expect(all.map((s) => s.where).filter((where) => !classified.has(where))).toEqual([]);
  });

  it.each(RUN.map((spec) => [`${spec.file}: ${spec.marker}`, spec] as const))('%s', async (_, spec) => {
    const [snippet] = find(all, spec);
    if (!snippet) throw new Error(`no snippet in ${spec.file} contains ${spec.marker}`);
    const file = join(project.dir, `${snippet.where.replace(/[^\w]+/g, '-')}.ts`);
    writeFileSync(file, asRunnableModule(snippet.code));
    const run = await project.run(file, [], spec.env);
    spec.check(run, emulator);
  }, 60_000);
});
