import { isReadable } from 'node:stream';
import { MailerError } from '../index';
import type { StoredMessage } from './types';

const BYTES = '$o365Bytes';

/**
 * Turns a message (without its attachments) into plain JSON for the store: Buffers and Uint8Arrays become
 * `{ $o365Bytes: base64 }`, Dates ISO strings. A stream elsewhere than in `attachments` cannot wait in a queue.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the field that holds a stream.
 */
export function encodeMessage(message: Record<string, unknown>): StoredMessage {
  const walk = (value: unknown, path: string): unknown => {
    if (value instanceof Uint8Array) return { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'object' && value !== null && isReadable(value as NodeJS.ReadableStream)) {
      throw new MailerError({
        code: 'MESSAGE_INVALID',
        message: `${path} is a stream, which the outbox cannot store: only attachments may be streams.`,
        fix: `Give ${path} as a string or a Buffer when you enqueue the message.`,
      });
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function').map(([k, v]) => [k, walk(v, `${path}.${k}`)]));
    }
    return value;
  };
  return walk(message, 'message') as StoredMessage;
}

/** The inverse of {@link encodeMessage}. */
export function decodeMessage(stored: StoredMessage): StoredMessage {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === BYTES) return Buffer.from(String((value as Record<string, unknown>)[BYTES]), 'base64');
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return walk(stored) as StoredMessage;
}
