import { didYouMean } from '../../config/did-you-mean';
import { createOutbox } from '../../outbox/create-outbox';
import type { Outbox } from '../../outbox/outbox';
import type { OutboxItem, OutboxItemState, OutboxStoreOption } from '../../outbox/types';
import { HELP_OPTION, flag, intOption, parseCommandArgs, str, type ParsedValues } from '../args';
import { UsageError, type CliContext } from '../io';

export const OUTBOX_HELP = `Usage: o365-mailer outbox status        (--db <file> | --redis <url>) [--json]
       o365-mailer outbox list          (--db <file> | --redis <url>) [--state <state>] [--sender <mailbox>] [--limit <n>] [--json]
       o365-mailer outbox retry <id>    (--db <file> | --redis <url>)
       o365-mailer outbox drop <id>     (--db <file> | --redis <url>)

Looks after a durable outbox (o365-oauth-mailer/outbox) without sending anything itself.

  status   counts per state and sender, paused and throttled senders, and the parked items with their codes
  list     items, oldest first; --state queued|sending|sent|failed|unknown
  retry    queues a failed or unknown item again (for an unknown item: you decided it did not go out)
  drop     removes an item and its attachments

Options:
  --db <file>         the outbox's SQLite file
  --redis <url>       the outbox's Redis, e.g. redis://cache:6379/0
  --prefix <prefix>   the Redis key prefix the outbox was created with (default o365-outbox)
  --state <state>     list only items in this state
  --sender <mailbox>  list only this sender's items
  --limit <n>         list at most n items (default 100)
  --json              print JSON
  -h, --help          show this help

Exit codes: 0 done, 1 the store failed or the item could not be retried or dropped, 2 usage error.
`;

const OPTIONS = {
  ...HELP_OPTION,
  db: { type: 'string' },
  redis: { type: 'string' },
  prefix: { type: 'string' },
  state: { type: 'string' },
  sender: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const SUBCOMMANDS = ['status', 'list', 'retry', 'drop'] as const;
const STATES: readonly OutboxItemState[] = ['queued', 'sending', 'sent', 'failed', 'unknown'];

function storeFrom(values: ParsedValues, command: string): OutboxStoreOption {
  const db = str(values, 'db');
  const redis = str(values, 'redis');
  if ((db === undefined) === (redis === undefined)) {
    throw new UsageError('Give the outbox store: --db <file> (SQLite) or --redis <url> (BullMQ), one of them.', command);
  }
  if (db !== undefined) {
    if (str(values, 'prefix') !== undefined) throw new UsageError('--prefix is for --redis, not --db.', command);
    return { sqlite: db };
  }
  const prefix = str(values, 'prefix');
  return { redis: redis as string, ...(prefix !== undefined ? { prefix } : {}) };
}

function itemLine(item: OutboxItem): string {
  const code = item.error ? `  ${item.error.code}` : '';
  const parked = item.parked ? ' (parked)' : '';
  return `${item.id}  ${item.state}${parked}  attempts ${item.attempts}  ${item.sender}  ${item.messageId}${code}\n`;
}

function itemJson(item: OutboxItem): Record<string, unknown> {
  return { ...item, error: item.error?.toJSON() };
}

async function status(outbox: Outbox, ctx: CliContext, json: boolean): Promise<void> {
  const stats = await outbox.stats();
  const parked = (await outbox.list({ state: 'unknown', limit: 1000 })).filter((i) => i.parked);
  if (json) {
    ctx.out(`${JSON.stringify({ ...stats, parkedItems: parked.map(itemJson) }, null, 2)}\n`);
    return;
  }
  const header = ['sender', ...STATES, 'parked'];
  const rows = stats.senders.map((s) => [s.sender, ...STATES.map((st) => String(s.states[st])), String(s.parked)]);
  rows.push(['total', ...STATES.map((st) => String(stats.states[st])), String(stats.parked)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`;
  ctx.out(line(header));
  for (const r of rows) ctx.out(line(r));
  for (const s of stats.senders) {
    if (s.paused) ctx.out(`\nPaused: ${s.sender} since ${s.paused.since.toISOString()} (${s.paused.code}): ${s.paused.message}\n  Resume it with outbox.resume('${s.sender}') once the setup is fixed; it also resumes by itself once verify() passes.\n`);
    if (s.throttledUntil) ctx.out(`\nThrottled: ${s.sender} until ${s.throttledUntil.toISOString()}\n`);
  }
  if (parked.length > 0) {
    ctx.out(`\nParked (unknown: may or may not have been sent; check Sent Items, then retry or drop):\n`);
    for (const item of parked) ctx.out(`  ${itemLine(item)}`);
  }
}

async function listItems(outbox: Outbox, ctx: CliContext, values: ParsedValues, command: string): Promise<void> {
  const state = str(values, 'state');
  if (state !== undefined && !STATES.includes(state as OutboxItemState)) {
    const guess = didYouMean(state, [...STATES]);
    throw new UsageError(`--state must be one of ${STATES.join(', ')}.${guess ? ` Did you mean ${guess}?` : ''}`, command);
  }
  const limit = intOption(values, 'limit', 1, 100_000, command);
  const sender = str(values, 'sender');
  const items = await outbox.list({
    ...(state !== undefined ? { state: state as OutboxItemState } : {}),
    ...(sender !== undefined ? { sender } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  if (flag(values, 'json')) ctx.out(`${JSON.stringify(items.map(itemJson), null, 2)}\n`);
  else if (items.length === 0) ctx.out('No items.\n');
  else for (const item of items) ctx.out(itemLine(item));
}

/** `o365-mailer outbox status|list|retry|drop`. */
export async function outboxCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') {
    ctx.out(OUTBOX_HELP);
    return 0;
  }
  if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    const guess = sub === undefined ? undefined : didYouMean(sub, [...SUBCOMMANDS]);
    throw new UsageError(
      // The word itself is not repeated: a secret pasted in the wrong place must not be echoed.
      sub === undefined ? 'Give a subcommand: status, list, retry or drop.' : `Unknown subcommand: give status, list, retry or drop.${guess ? ` Did you mean \`o365-mailer outbox ${guess}\`?` : ''}`,
      'outbox',
    );
  }
  const command = `outbox ${sub}`;
  let id: string | undefined;
  if (sub === 'retry' || sub === 'drop') {
    id = rest[0] !== undefined && !rest[0].startsWith('-') ? rest.shift() : undefined;
    if (id === undefined && !rest.includes('--help') && !rest.includes('-h')) throw new UsageError(`Give the item's ID: o365-mailer outbox ${sub} <id> --db <file>.`, command);
  }
  const values = parseCommandArgs(rest, OPTIONS, command);
  if (flag(values, 'help')) {
    ctx.out(OUTBOX_HELP);
    return 0;
  }
  const outbox = await createOutbox({ mailers: [], store: storeFrom(values, command) });
  try {
    switch (sub) {
      case 'status':
        await status(outbox, ctx, flag(values, 'json'));
        return 0;
      case 'list':
        await listItems(outbox, ctx, values, command);
        return 0;
      case 'retry': {
        const done = await outbox.retry(id as string);
        if (done) ctx.out(`Queued ${id} again.\n`);
        else ctx.err(`o365-mailer: ${id} was not queued again: there is no such item, or it is not failed or unknown.\n`);
        return done ? 0 : 1;
      }
      default: {
        const done = await outbox.drop(id as string);
        if (done) ctx.out(`Dropped ${id}.\n`);
        else ctx.err(`o365-mailer: ${id} was not dropped: there is no such item, or it is being sent right now.\n`);
        return done ? 0 : 1;
      }
    }
  } finally {
    await outbox.close();
  }
}
