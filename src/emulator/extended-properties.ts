import type { GraphProblem } from './message-validation';

/** A single-value extended property as Graph takes and returns it. */
export interface ExtendedProperty {
  id: string;
  value: string;
}

const TYPES = ['Binary', 'Boolean', 'CLSID', 'Currency', 'Double', 'Float', 'Integer', 'Long', 'Object', 'Short', 'SystemTime', 'String'];
const TYPE = `(${TYPES.join('|')})`;
const GUID = '\\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\}?';
/** `{type} {guid} Name {name}`, `{type} {guid} Id {hex}` or `{type} {proptag}`: the formats Graph documents. */
const NAMED = new RegExp(`^${TYPE}\\s+${GUID}\\s+Name\\s+(\\S.*)$`, 'i');
const NUMBERED = new RegExp(`^${TYPE}\\s+${GUID}\\s+Id\\s+(0x[0-9a-f]{1,4})$`, 'i');
const TAGGED = new RegExp(`^${TYPE}\\s+(0x[0-9a-f]{1,4})$`, 'i');

function canonicalType(type: string): string {
  return TYPES.find((t) => t.toLowerCase() === type.toLowerCase()) ?? type;
}

/**
 * An extended property ID in one spelling, so that IDs compare as Exchange compares them: the type, the GUID and a
 * numeric ID without regard to case, a `Name` exactly (Graph documents the name as case-sensitive).
 */
export function canonicalPropertyId(id: string): string | undefined {
  const named = NAMED.exec(id.trim());
  if (named) return `${canonicalType(named[1]!)} {${named[2]!.toLowerCase()}} Name ${named[3]!}`;
  const numbered = NUMBERED.exec(id.trim());
  if (numbered) return `${canonicalType(numbered[1]!)} {${numbered[2]!.toLowerCase()}} Id ${numbered[3]!.toLowerCase()}`;
  const tagged = TAGGED.exec(id.trim());
  if (tagged) return `${canonicalType(tagged[1]!)} ${tagged[2]!.toLowerCase()}`;
  return undefined;
}

/** The `singleValueExtendedProperties` of a message's JSON, checked: each `{ id, value }` with a documented ID. */
export function readExtendedProperties(json: unknown): { ok: true; value: ExtendedProperty[] } | { ok: false; problem: GraphProblem } {
  const list = json && typeof json === 'object' ? Object.entries(json).find(([k]) => k.toLowerCase() === 'singlevalueextendedproperties')?.[1] : undefined;
  if (list === undefined || list === null) return { ok: true, value: [] };
  if (!Array.isArray(list)) {
    return { ok: false, problem: { status: 400, code: 'RequestBodyRead', message: "An unexpected 'StartObject' node was found for property named 'singleValueExtendedProperties' when reading from the JSON reader. A 'StartArray' node was expected." } };
  }
  const out: ExtendedProperty[] = [];
  for (const item of list) {
    const id = (item as { id?: unknown } | null)?.id;
    const value = (item as { value?: unknown } | null)?.value;
    const canonical = typeof id === 'string' ? canonicalPropertyId(id) : undefined;
    if (canonical === undefined) {
      return { ok: false, problem: { status: 400, code: 'ErrorInvalidProperty', message: `The extended property ID '${String(id)}' is not valid.` } };
    }
    if (typeof value !== 'string') {
      return { ok: false, problem: { status: 400, code: 'ErrorInvalidProperty', message: `The value of the extended property '${canonical}' must be a string.` } };
    }
    out.push({ id: canonical, value });
  }
  return { ok: true, value: out };
}

/** What a folder listing's `$filter` asks for: the two filters the emulator understands. */
export type MessageFilter = { kind: 'internetMessageId'; value: string } | { kind: 'extendedProperty'; id: string; value: string };

const QUOTED = "'((?:[^']|'')*)'";
const MESSAGE_ID_FILTER = new RegExp(`^\\s*internetMessageId\\s+eq\\s+${QUOTED}\\s*$`, 'i');
/** `singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`, as Microsoft documents it. */
const PROPERTY_FILTER = new RegExp(
  `^\\s*singleValueExtendedProperties/any\\(\\s*(\\w+)\\s*:\\s*\\1/id\\s+eq\\s+${QUOTED}\\s+and\\s+\\1/value\\s+eq\\s+${QUOTED}\\s*\\)\\s*$`,
  'i',
);

const unquote = (s: string): string => s.replace(/''/g, "'");

/** Reads a `$filter`; undefined for any other filter (Graph then answers 400 ErrorInvalidUrlQueryFilter). */
export function parseMessageFilter(filter: string): MessageFilter | undefined {
  const byId = MESSAGE_ID_FILTER.exec(filter);
  if (byId) return { kind: 'internetMessageId', value: unquote(byId[1]!) };
  const byProperty = PROPERTY_FILTER.exec(filter);
  if (!byProperty) return undefined;
  const id = canonicalPropertyId(unquote(byProperty[2]!));
  return id === undefined ? undefined : { kind: 'extendedProperty', id, value: unquote(byProperty[3]!) };
}

/** Whether a message matches: a Message-ID exactly, an extended property's value without regard to case (as Graph). */
export function matchesFilter(filter: MessageFilter, message: { messageId?: string; extendedProperties?: readonly ExtendedProperty[] }): boolean {
  if (filter.kind === 'internetMessageId') return message.messageId === filter.value;
  return (message.extendedProperties ?? []).some((p) => p.id === filter.id && p.value.toLowerCase() === filter.value.toLowerCase());
}
