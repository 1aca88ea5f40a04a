import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { asDeclaredModule, root, snippets } from './snippet-kit';

const out = join(root, 'node_modules', '.cache', 'o365-doc-snippets');

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
      writeFileSync(file, asDeclaredModule(b.code));
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
