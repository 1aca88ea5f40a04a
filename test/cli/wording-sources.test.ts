import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { forShell } from '../../src/cli/wording';
import { CONFIG_KEYS, NESTED_CONFIG_KEYS } from '../../src/config/known-keys';

// wording.test.ts checks the catalogue's fixes and real CLI runs; this walks every sentence the library can write
// (each string and template literal of src/, as the CLI rewords it) so a new message cannot slip a configuration
// field past the CLI. Entry points the CLI never loads (the emulator, outbox, nodemailer transport, testing kit and
// telemetry) are left out.

const root = resolve(__dirname, '../..');
const FIELDS = [...CONFIG_KEYS, ...Object.entries(NESTED_CONFIG_KEYS).flatMap(([parent, keys]) => keys.map((k) => `${parent}.${k}`))];
const alternatives = (names: string[]) => names.map((f) => f.replace('.', '\\.')).join('|');
/** A field in backticks, as the library writes them, or after a verb telling the reader to set it. */
const FIELD_IN_TEXT = new RegExp(`\`(${alternatives([...FIELDS, 'to'])})\`|\\b(set|pass|give|configure|raise|update|add)\\s+(${alternatives(FIELDS)})\\b`);

/** Sentences that name a field but that the CLI cannot show: it configures neither a managed identity nor a client assertion. */
const UNREACHABLE: Array<{ file: string; field: string; why: string }> = [
  { file: 'src/auth/managed-identity-credential.ts', field: 'managedIdentity', why: 'the CLI has no managed identity option' },
  { file: 'src/errors/catalogue.ts', field: 'managedIdentity', why: 'MANAGED_IDENTITY_UNAVAILABLE: the CLI has no managed identity option' },
  { file: 'src/config/validate.ts', field: 'clientAssertion', why: 'no credential at all: the CLI reports missing credentials itself before building a mailer' },
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every string and template literal of a file (a template's parts joined with `…`), with its line. */
function literals(file: string): Array<{ line: number; text: string }> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Array<{ line: number; text: string }> = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((s) => `…${s.literal.text}`).join('');
    if (text !== undefined && !ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no sentence the CLI can print names a configuration field', () => {
  it('every string of src/ the CLI can reach, reworded for the shell, names flags and variables only', () => {
    const files = sources(join(root, 'src')).filter((f) => !/^src\/(emulator|outbox|nodemailer|testing|telemetry)\//.test(relative(root, f)));
    expect(files.length).toBeGreaterThan(50);
    const offending: string[] = [];
    for (const file of files) {
      const rel = relative(root, file);
      for (const { line, text } of literals(file)) {
        const match = FIELD_IN_TEXT.exec(forShell(text));
        if (!match) continue;
        const field = match[1] ?? match[3];
        if (UNREACHABLE.some((u) => u.file === rel && u.field === field)) continue;
        offending.push(`${rel}:${line}: ${field}: ${forShell(text).slice(0, 160)}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('the sentences let through still exist (the list stays honest)', () => {
    for (const { file, field } of UNREACHABLE) {
      const hits = literals(join(root, file)).filter(({ text }) => FIELD_IN_TEXT.test(forShell(text)) && forShell(text).includes(field));
      expect(hits.length, `${file}: ${field}`).toBeGreaterThan(0);
    }
  });
});
