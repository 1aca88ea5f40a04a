import { MailerError } from '../errors/mailer-error';
import { didYouMean } from './did-you-mean';
import type { O365OAuthMailerConfig } from './types';

/**
 * Every key {@link O365OAuthMailerConfig} accepts. A key not listed here is refused with `CONFIG_INVALID`, so a
 * typo (`tenantID`) is an error instead of a silently ignored setting.
 *
 * Adding a configuration field? Add its key here too: the compile-time check below fails until you do.
 */
export const CONFIG_KEYS = [
  'authType',
  'tenantId',
  'clientId',
  'clientSecret',
  'secretStore',
  'secretName',
  'secretExpiresAt',
  'sender',
  'cloud',
  'timeoutMs',
  'tls',
  'proxy',
  'saveToSentItems',
  'logger',
  'retry',
  'maxConcurrency',
  'tokenCache',
  'disableFileAccess',
  'clientCertificate',
  'clientAssertion',
  'federatedTokenFile',
  'managedIdentity',
  'telemetry',
] as const satisfies ReadonlyArray<keyof O365OAuthMailerConfig>;

/** Keys of the nested option objects, checked the same way. */
export const NESTED_CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = {
  tls: ['ca'],
  retry: ['maxRetries', 'maxDelayMs'],
  cloud: ['authorityHost', 'graphEndpoint'],
  clientCertificate: ['path', 'passphrase', 'sendX5c', 'privateKey', 'certificate'],
  managedIdentity: ['clientId'],
  telemetry: ['enabled', 'includeMailbox', 'tracerProvider', 'meterProvider'],
};

type Unlisted = Exclude<keyof O365OAuthMailerConfig, (typeof CONFIG_KEYS)[number]>;
/** Fails to compile while a key of {@link O365OAuthMailerConfig} is missing from {@link CONFIG_KEYS}. */
export const EVERY_CONFIG_KEY_LISTED: [Unlisted] extends [never] ? true : { missingFromConfigKeys: Unlisted } = true;

function unknownKeyError(path: string, key: string, known: readonly string[]): MailerError {
  const field = path ? `${path}.${key}` : key;
  const guess = didYouMean(key, known);
  return new MailerError({
    code: 'CONFIG_INVALID',
    message: `Invalid configuration: \`${field}\` is not a setting of o365-oauth-mailer${guess !== undefined ? `. Did you mean \`${path ? `${path}.` : ''}${guess}\`?` : '.'}`,
    fix:
      guess !== undefined
        ? `Rename \`${field}\` to \`${path ? `${path}.` : ''}${guess}\` (names are case-sensitive).`
        : `Remove \`${field}\`; the settings are ${known.map((k) => `\`${k}\``).join(', ')}.`,
  });
}

/**
 * Refuses keys the configuration does not know, with a "did you mean" for near misses. Only own enumerable keys
 * are looked at; values are not read.
 */
export function assertKnownKeys(config: object): void {
  const top: readonly string[] = CONFIG_KEYS;
  for (const key of Object.keys(config)) {
    if (!top.includes(key)) throw unknownKeyError('', key, top);
  }
  for (const [parent, known] of Object.entries(NESTED_CONFIG_KEYS)) {
    const descriptor = Object.getOwnPropertyDescriptor(config, parent);
    const value: unknown = descriptor && 'value' in descriptor ? descriptor.value : undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) throw unknownKeyError(parent, key, known);
    }
  }
}
