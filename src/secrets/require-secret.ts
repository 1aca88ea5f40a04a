import { MailerError } from '../errors/mailer-error';
import type { SecretStore } from './secret-store';

/**
 * Reads `name` from `store` and rejects with a {@link MailerError} `SECRET_MISSING` (setup step 5) that names the
 * store when there is no such secret.
 *
 * @example
 * ```ts
 * const clientSecret = await requireSecret(new EnvSecretStore(), defaultSecretName(tenantId, clientId))
 * ```
 */
export async function requireSecret(store: SecretStore, name: string): Promise<string> {
  const value = await store.get(name);
  if (typeof value === 'string' && value.length > 0) return value;
  const where = describeStore(store);
  throw new MailerError({
    code: 'SECRET_MISSING',
    step: 5,
    message: `No client secret named "${name}" was found in ${where}.`,
    fix: `Store the client secret's Value from step 5 in ${where} under "${name}" (not its Secret ID, which is a GUID).`,
  });
}

function describeStore(store: SecretStore): string {
  const json = (store as { toJSON?: () => unknown }).toJSON?.();
  if (json && typeof json === 'object') {
    const { kind, path, variable, service } = json as Record<string, unknown>;
    if (typeof variable === 'string') return `the environment variable ${variable}`;
    if (typeof path === 'string') return `${String(kind)} ${path}`;
    if (typeof service === 'string') return `${String(kind)} (service "${service}")`;
    if (typeof kind === 'string') return kind;
  }
  return 'the configured secret store';
}
