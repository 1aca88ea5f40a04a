import { randomBytes, randomUUID } from 'node:crypto';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A random GUID in lower case, as Entra prints them. */
export function newGuid(): string {
  return randomUUID();
}

/** Whether `value` is GUID-shaped. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** A random client secret Value shaped like Entra's (`xxx8Q~` followed by 34 characters). */
export function newSecretValue(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~';
  const bytes = randomBytes(37);
  let out = '';
  for (let i = 0; i < bytes.length; i += 1) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return `${out.slice(0, 3)}8Q~${out.slice(3)}`;
}

/** A random Exchange-style item ID (`AAMkA...=`), URL-safe apart from the final `=`. */
export function newItemId(): string {
  return `AAMkA${randomBytes(48).toString('base64url')}=`;
}

/** A random opaque token for pre-authenticated URLs. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Entra's timestamp format: `2025-08-18 15:26:14Z`. */
export function entraTimestamp(date = new Date()): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Graph's innerError date format: `2025-08-18T15:26:14` (UTC, no zone). */
export function graphTimestamp(date = new Date()): string {
  return date.toISOString().slice(0, 19);
}

/** Seven fractional digits like .NET's round-trip format: `2025-08-18T15:26:14.1230000Z`. */
export function dotnetTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 23)}0000Z`;
}
