import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT_FIELDS, MESSAGE_FIELDS, REFUSED_ATTACHMENT_FIELDS, REFUSED_MESSAGE_FIELDS } from '../../src/message/fields';

// docs/coming-from-nodemailer.md's field tables say, for every field, honoured or refused: they must match the code.

const doc = readFileSync(new URL('../../docs/coming-from-nodemailer.md', import.meta.url), 'utf8');

/** The rows of the table under `### title`: field names (backticked, first cell) by the "honoured" cell. */
function table(title: string): { yes: string[]; refused: string[] } {
  const start = doc.indexOf(`### ${title}\n`);
  expect(start).toBeGreaterThan(0);
  const rows = doc.slice(start).split('\n').slice(1).filter((l, i, all) => l.startsWith('|') && all.slice(0, i).every((p) => p.startsWith('|') || p.trim() === ''));
  const out = { yes: [] as string[], refused: [] as string[] };
  for (const row of rows.slice(2)) {
    const [names, honoured] = row.split('|').slice(1, 3).map((c) => c.trim());
    const list = [...(names ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    if (honoured === 'yes') out.yes.push(...list);
    else if (honoured === 'refused') out.refused.push(...list);
    else throw new Error(`row without yes/refused: ${row}`);
  }
  return out;
}

describe('docs/coming-from-nodemailer.md lists every field exactly as the code treats it', () => {
  it('message fields', () => {
    const t = table('Message');
    expect(t.yes.sort()).toEqual([...MESSAGE_FIELDS].sort());
    expect(t.refused.sort()).toEqual(Object.keys(REFUSED_MESSAGE_FIELDS).sort());
  });

  it('attachment fields', () => {
    const t = table('Attachment');
    expect(t.yes.sort()).toEqual([...ATTACHMENT_FIELDS].sort());
    expect(t.refused.sort()).toEqual(Object.keys(REFUSED_ATTACHMENT_FIELDS).sort());
  });
});
