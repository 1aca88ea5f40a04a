import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import type { EmulatorOptions } from '../emulator/types';
import { UsageError } from './io';

/** What `o365-mailer emulator --state FILE` keeps across restarts. */
export interface EmulatorState {
  version: 1;
  /** The port it listened on: used again when `--port` is not given. */
  port?: number;
  tenantId: string;
  tenantDomain?: string;
  clientId: string;
  secret: { value: string; id: string };
  /** The app's consented application permissions. */
  roles: string[];
  mailboxes: string[];
  /** The HTTPS certificate and key, so whatever trusts the certificate keeps trusting it. */
  tls: { key: string; cert: string };
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** Reads a state file; undefined when it does not exist. A damaged file is a usage error naming it. */
export async function readEmulatorState(path: string): Promise<EmulatorState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`--state ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, 'emulator');
  }
  let state: Partial<EmulatorState> | undefined;
  try {
    state = JSON.parse(text) as Partial<EmulatorState>;
  } catch {
    state = undefined;
  }
  const ok =
    state !== undefined &&
    state.version === 1 &&
    isString(state.tenantId) &&
    isString(state.clientId) &&
    isString(state.secret?.value) &&
    isString(state.secret?.id) &&
    isStringList(state.roles) &&
    isStringList(state.mailboxes) &&
    state.mailboxes.length > 0 &&
    isString(state.tls?.key) &&
    isString(state.tls?.cert);
  if (!ok) {
    throw new UsageError(`--state ${path} is not an emulator state file written by o365-mailer (or it is damaged). Give another path, or delete it to start afresh.`, 'emulator');
  }
  return state as EmulatorState;
}

/** Writes the state file atomically, readable by its owner only (it holds the fake secret and the TLS key). */
export async function writeEmulatorState(path: string, state: EmulatorState): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/** The emulator's directory (tenant, app, mailboxes) and certificate from a state. */
export function emulatorOptionsFrom(state: EmulatorState): Pick<EmulatorOptions, 'tenants' | 'apps' | 'mailboxes' | 'tls'> {
  return {
    tenants: [{ id: state.tenantId, ...(state.tenantDomain ? { domains: [state.tenantDomain] } : {}) }],
    apps: [{ clientId: state.clientId, tenantId: state.tenantId, secrets: [{ value: state.secret.value, id: state.secret.id }], roles: state.roles }],
    mailboxes: state.mailboxes,
    tls: state.tls,
  };
}
