import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const root = resolve(__dirname, '../..');

/** A ```ts block of the README or docs/, with where it is (`docs/x.md:12`, the fence's line). */
export interface Snippet {
  file: string;
  where: string;
  code: string;
}

/** Every ```ts block of the README and docs/. */
export function snippets(): Snippet[] {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const found: Snippet[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    let fence: 'ts' | 'other' | undefined;
    let start = 0;
    lines.forEach((line, i) => {
      if (fence === undefined && /^```/.test(line)) {
        fence = /^```(ts|typescript)\s*$/.test(line) ? 'ts' : 'other';
        start = i;
      } else if (fence !== undefined && /^```\s*$/.test(line)) {
        if (fence === 'ts') found.push({ file, where: `${file}:${start + 1}`, code: lines.slice(start + 1, i).join('\n') });
        fence = undefined;
      }
    });
  }
  return found;
}

/** What a snippet may use without declaring it: the objects the surrounding prose talks about, and their types. */
export const CONTEXT: Record<string, string> = {
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

/** The names of the snippet's code, and whether it declares or imports a name itself. */
function scan(code: string): { uses: (name: string) => boolean; declares: (name: string) => boolean } {
  const words = new Set(code.match(/\b[A-Za-z_$][\w$]*\b/g) ?? []);
  const imported = [...code.matchAll(/\bimport\s+(?:type\s+)?(\w+|\{[^}]*\}|\*\s+as\s+\w+)\s+from\b/g)].map((m) => m[1] ?? '').join(' ');
  const declares = (name: string) => new RegExp(`\\b(const|let|var|function|class)\\s+${name}\\b`).test(code) || new RegExp(`\\b${name}\\b`).test(imported);
  return { uses: (name) => words.has(name), declares };
}

/** The context objects a snippet uses without declaring them. */
export function contextNeeded(code: string): string[] {
  const { uses, declares } = scan(code);
  return Object.keys(CONTEXT).filter((name) => uses(name) && !declares(name));
}

/** A snippet as a module to type-check: the imports and declarations it leans on, then its code. */
export function asDeclaredModule(code: string): string {
  const { uses, declares } = scan(code);
  const lines: string[] = [];
  const needed = contextNeeded(code).map((name) => [name, CONTEXT[name] as string] as const);
  const runtime = PUBLIC.filter((name) => uses(name) && !declares(name));
  const types = [...new Set([...TYPES.filter((name) => uses(name) && !declares(name)), ...needed.map(([, type]) => type).filter((t) => t !== 'string')])].filter(
    (t) => !runtime.includes(t) && !declares(t),
  );
  if (runtime.length || types.length) lines.push(`import { ${[...runtime, ...types.map((t) => `type ${t}`)].join(', ')} } from 'o365-oauth-mailer';`);
  for (const [name, type] of needed) lines.push(`declare const ${name}: ${type};`);
  return `${lines.join('\n')}\n${code}\nexport {};\n`;
}

/**
 * What the context objects are when a snippet runs against the emulator: the configuration comes from the
 * environment the emulator's values are put in (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, O365_SENDER),
 * as a user's would; `message` from SNIPPET_MESSAGE (JSON).
 */
const RUN_CONTEXT: Record<string, string> = {
  mailer: 'new __Mailer(__config)',
  config: '__config',
  message: "JSON.parse(process.env.SNIPPET_MESSAGE ?? '{}') as __MailMessage",
  tenantId: 'process.env.AZURE_TENANT_ID!',
  clientId: 'process.env.AZURE_CLIENT_ID!',
  clientSecret: 'process.env.AZURE_CLIENT_SECRET!',
  sender: 'process.env.O365_SENDER!',
  text: "'Attached.'",
  html: "'<p>Attached.</p>'",
};

/** A snippet as a module to run: real values for the context it leans on (undefined names stay an error), then its code. */
export function asRunnableModule(code: string): string {
  const { uses, declares } = scan(code);
  const needed = contextNeeded(code);
  const missing = needed.filter((name) => !(name in RUN_CONTEXT));
  if (missing.length) throw new Error(`no runtime value for ${missing.join(', ')}`);
  const lines = [
    "import { O365OAuthMailer as __Mailer, type MailMessage as __MailMessage, type O365OAuthMailerConfig as __Config } from 'o365-oauth-mailer';",
    "const __config: __Config = { authType: 'oauth2', tenantId: process.env.AZURE_TENANT_ID!, clientId: process.env.AZURE_CLIENT_ID!, clientSecret: process.env.AZURE_CLIENT_SECRET!, sender: process.env.O365_SENDER! };",
  ];
  const runtime = PUBLIC.filter((name) => uses(name) && !declares(name));
  if (runtime.length) lines.push(`import { ${runtime.join(', ')} } from 'o365-oauth-mailer';`);
  for (const name of needed) lines.push(`const ${name} = ${RUN_CONTEXT[name]};`);
  return `${lines.join('\n')}\n${code}\nexport {};\n`;
}
