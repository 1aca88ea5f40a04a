import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const out = join(root, 'node_modules', '.cache', 'o365-doc-snippets');

/** Every ```ts block of the README and docs/, with where it is. */
function snippets(): Array<{ where: string; code: string }> {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const found: Array<{ where: string; code: string }> = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    let fence: 'ts' | 'other' | undefined;
    let start = 0;
    lines.forEach((line, i) => {
      if (fence === undefined && /^```/.test(line)) {
        fence = /^```(ts|typescript)\s*$/.test(line) ? 'ts' : 'other';
        start = i;
      } else if (fence !== undefined && /^```\s*$/.test(line)) {
        if (fence === 'ts') found.push({ where: `${file}:${start + 1}`, code: lines.slice(start + 1, i).join('\n') });
        fence = undefined;
      }
    });
  }
  return found;
}

/** What a snippet may use without declaring it: the objects the surrounding prose talks about. */
const CONTEXT: Record<string, string> = {
  mailer: 'O365OAuthMailer',
  labMailer: 'O365OAuthMailer',
  billingMailer: 'O365OAuthMailer',
  message: 'MailMessage',
  config: 'O365OAuthMailerConfig',
  tenantId: 'string',
  clientId: 'string',
  clientSecret: 'string',
  sender: 'string',
  text: 'string',
  html: 'string',
};
const PUBLIC = ['O365OAuthMailer', 'MailerError', 'isMailerError', 'EncryptedFileSecretStore', 'RedisTokenCache', 'FileTokenCache', 'MemoryTokenCache'];
const TYPES = ['MailMessage', 'O365OAuthMailerConfig'];

/** A snippet as a module: the imports and declarations it leans on, then its code. */
function asModule(code: string): string {
  const words = new Set(code.match(/\b[A-Za-z_$][\w$]*\b/g) ?? []);
  const imported = [...code.matchAll(/\bimport\s+(?:type\s+)?(\w+|\{[^}]*\}|\*\s+as\s+\w+)\s+from\b/g)].map((m) => m[1] ?? '').join(' ');
  const declared = (name: string) => new RegExp(`\\b(const|let|var|function|class)\\s+${name}\\b`).test(code) || new RegExp(`\\b${name}\\b`).test(imported);
  const lines: string[] = [];
  const needed = Object.entries(CONTEXT).filter(([name]) => words.has(name) && !declared(name));
  const runtime = PUBLIC.filter((name) => words.has(name) && !declared(name));
  const types = [...new Set([...TYPES.filter((name) => words.has(name) && !declared(name)), ...needed.map(([, type]) => type).filter((t) => t !== 'string')])].filter(
    (t) => !runtime.includes(t) && !declared(t),
  );
  if (runtime.length || types.length) lines.push(`import { ${[...runtime, ...types.map((t) => `type ${t}`)].join(', ')} } from 'o365-oauth-mailer';`);
  for (const [name, type] of needed) lines.push(`declare const ${name}: ${type};`);
  return `${lines.join('\n')}\n${code}\nexport {};\n`;
}

describe('the README and docs examples compile under the strictest tsconfig', () => {
  const blocks = snippets();

  it('there are examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.map((b) => b.where)).toContain('README.md:29');
  });

  it('exactOptionalPropertyTypes, noUncheckedIndexedAccess, strict: no errors in any snippet', () => {
    mkdirSync(out, { recursive: true });
    const files = blocks.map((b, i) => {
      const file = join(out, `snippet-${i}.ts`);
      writeFileSync(file, asModule(b.code));
      return { file, where: b.where };
    });
    const options: ts.CompilerOptions = {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      baseUrl: root,
      paths: {
        'o365-oauth-mailer': ['./src/index.ts'],
        'o365-oauth-mailer/*': ['./src/*/index.ts'],
      },
    };
    const program = ts.createProgram(files.map((f) => f.file), options);
    // Only the snippets are checked: the library's own sources follow the repository's tsconfig.
    const problems = files.flatMap(({ file, where }) =>
      ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
    );
    expect(problems).toEqual([]);
  }, 60_000);
});
