import { X509Certificate, createHash } from 'node:crypto';
import { isGuid, newGuid, newSecretValue } from './ids';
import type {
  EmulatorApp,
  EmulatorFederatedCredential,
  EmulatorMailbox,
  EmulatorManagedIdentity,
  EmulatorOptions,
  EmulatorRbacAssignment,
  EmulatorSecret,
  EmulatorTenant,
} from './types';

/** A tenant with every default filled in. */
export interface TenantRecord {
  id: string;
  domains: string[];
  displayName: string;
}

/** A client secret with every default filled in. */
export interface SecretRecord {
  value: string;
  id: string;
  expiresAt?: Date;
}

/** An uploaded certificate, with what the token endpoint checks. */
export interface CertificateRecord {
  pem: string;
  /** SHA-256 and SHA-1 thumbprints, base64url of the digest (as in `x5t#S256` / `x5t`). */
  x5tS256: string;
  x5t: string;
  /** Lower-case hex SHA-256 thumbprint, for messages. */
  thumbprintHex: string;
  notAfter: Date;
}

/** A federated credential with every default filled in. */
export interface FederatedRecord {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

/** An app registration with every default filled in. */
export interface AppRecord {
  clientId: string;
  tenantId: string;
  displayName: string;
  secrets: SecretRecord[];
  roles: string[];
  disabled: boolean;
  /** Exchange RBAC for Applications assignments (addresses lower-cased). */
  rbac: EmulatorRbacAssignment[];
  certificates: CertificateRecord[];
  federated: FederatedRecord[];
  /** Set for a managed identity's service principal (no app registration, no secrets). */
  managedIdentity?: 'system' | 'user';
  /** Object ID of the service principal (the token's `oid`). */
  servicePrincipalId: string;
}

/** A user with every default filled in. */
export interface MailboxRecord {
  address: string;
  id: string;
  tenantId: string;
  displayName: string;
  exists: boolean;
  licensed: boolean;
  accessPolicyDenied: boolean;
  sendAs: string[];
}

interface Snapshot {
  tenants: TenantRecord[];
  apps: AppRecord[];
  mailboxes: MailboxRecord[];
}

/** The default tenant domain and mailbox. */
export const DEFAULT_DOMAIN = 'contoso.onmicrosoft.com';
/** The default sender mailbox. */
export const DEFAULT_SENDER = `sender@${DEFAULT_DOMAIN}`;

function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`Invalid secret expiresAt: ${String(value)}`);
  return date;
}

function secretRecord(secret: EmulatorSecret): SecretRecord {
  const expiresAt = toDate(secret.expiresAt);
  return { value: secret.value ?? newSecretValue(), id: secret.id ?? newGuid(), ...(expiresAt ? { expiresAt } : {}) };
}

function rbacRecords(list: EmulatorRbacAssignment[] | undefined): EmulatorRbacAssignment[] {
  return (list ?? []).map((a) => ({ role: a.role, mailboxes: a.mailboxes.map((m) => m.toLowerCase()) }));
}

function certificateRecord(pem: string): CertificateRecord {
  const cert = new X509Certificate(pem);
  const der = cert.raw;
  const sha256 = createHash('sha256').update(der).digest();
  return {
    pem,
    x5tS256: sha256.toString('base64url'),
    x5t: createHash('sha1').update(der).digest('base64url'),
    thumbprintHex: sha256.toString('hex'),
    notAfter: new Date(cert.validTo),
  };
}

function federatedRecord(f: EmulatorFederatedCredential): FederatedRecord {
  return { name: f.name ?? 'federated-credential', issuer: f.issuer, subject: f.subject, audiences: [...(f.audiences ?? ['api://AzureADTokenExchange'])] };
}

function managedIdentityRecord(m: EmulatorManagedIdentity, index: number, tenantId: string): AppRecord {
  return {
    clientId: (m.clientId ?? newGuid()).toLowerCase(),
    tenantId,
    displayName: m.displayName ?? 'mailer-identity',
    secrets: [],
    roles: [...(m.roles ?? ['Mail.Send'])],
    disabled: false,
    rbac: rbacRecords(m.rbac),
    certificates: [],
    federated: [],
    managedIdentity: (m.systemAssigned ?? index === 0) ? 'system' : 'user',
    servicePrincipalId: newGuid(),
  };
}

function clone(snapshot: Snapshot): Snapshot {
  return {
    tenants: snapshot.tenants.map((t) => ({ ...t, domains: [...t.domains] })),
    apps: snapshot.apps.map((a) => ({
      ...a,
      roles: [...a.roles],
      secrets: a.secrets.map((s) => ({ ...s })),
      rbac: rbacRecords(a.rbac),
      certificates: [...a.certificates],
      federated: a.federated.map((f) => ({ ...f, audiences: [...f.audiences] })),
    })),
    mailboxes: snapshot.mailboxes.map((m) => ({ ...m, sendAs: [...m.sendAs] })),
  };
}

/** Tenants, app registrations and mailboxes: what Entra ID and Exchange Online know. */
export class Directory {
  private readonly initial: Snapshot;
  private state: Snapshot;

  /** Normalizes the options once, so that `reset()` restores the same random IDs and secrets. */
  constructor(options: Pick<EmulatorOptions, 'tenants' | 'apps' | 'mailboxes' | 'managedIdentities'>) {
    const tenantInputs: EmulatorTenant[] = options.tenants?.length ? options.tenants : [{ domains: [DEFAULT_DOMAIN] }];
    const tenants = tenantInputs.map((t): TenantRecord => {
      const id = (t.id ?? newGuid()).toLowerCase();
      if (!isGuid(id)) throw new TypeError(`Tenant id must be a GUID: ${id}`);
      const domains = (t.domains ?? []).map((d) => d.toLowerCase());
      return { id, domains, displayName: t.displayName ?? domains[0] ?? id };
    });
    const firstTenant = tenants[0]!.id;
    const appInputs: EmulatorApp[] = options.apps ?? [{}];
    const apps = appInputs.map((a): AppRecord => ({
      clientId: (a.clientId ?? newGuid()).toLowerCase(),
      tenantId: (a.tenantId ?? firstTenant).toLowerCase(),
      displayName: a.displayName ?? 'TrueChemEmailOAuth',
      secrets: (a.secrets ?? [{}]).map(secretRecord),
      roles: [...(a.roles ?? ['Mail.Send'])],
      disabled: a.disabled ?? false,
      rbac: rbacRecords(a.rbac),
      certificates: (a.certificates ?? []).map(certificateRecord),
      federated: (a.federatedCredentials ?? []).map(federatedRecord),
      servicePrincipalId: newGuid(),
    }));
    const identities = (options.managedIdentities ?? [{}]).map((m, i) => managedIdentityRecord(m, i, firstTenant));
    apps.push(...identities);
    const mailboxInputs = options.mailboxes ?? [DEFAULT_SENDER];
    const mailboxes = mailboxInputs.map((m) => this.mailboxRecord(typeof m === 'string' ? { address: m } : m, firstTenant));
    this.initial = { tenants, apps, mailboxes };
    this.state = clone(this.initial);
  }

  /** All tenants; the first is the default. */
  get tenants(): readonly TenantRecord[] {
    return this.state.tenants;
  }

  /** All apps; the first is the default. */
  get apps(): readonly AppRecord[] {
    return this.state.apps;
  }

  /** All users; the first is the default sender. */
  get mailboxes(): readonly MailboxRecord[] {
    return this.state.mailboxes;
  }

  /** Finds a tenant by GUID or verified domain, case-insensitively. */
  findTenant(idOrDomain: string): TenantRecord | undefined {
    const key = idOrDomain.toLowerCase();
    return this.state.tenants.find((t) => t.id === key || t.domains.includes(key));
  }

  /** Finds an app registered in a tenant. */
  findApp(tenantId: string, clientId: string): AppRecord | undefined {
    const key = clientId.toLowerCase();
    return this.state.apps.find((a) => a.tenantId === tenantId && a.clientId === key);
  }

  /** Finds an app in any tenant. */
  findAppAnywhere(clientId: string): AppRecord | undefined {
    const key = clientId.toLowerCase();
    return this.state.apps.find((a) => a.clientId === key);
  }

  /** Finds an existing user of a tenant by address or object ID, case-insensitively. */
  findMailbox(tenantId: string, user: string): MailboxRecord | undefined {
    const key = user.toLowerCase();
    return this.state.mailboxes.find(
      (m) => m.exists && m.tenantId === tenantId && (m.address.toLowerCase() === key || m.id === key),
    );
  }

  /** Replaces an app's consented roles. */
  grant(clientId: string, roles: string[]): void {
    this.requireApp(clientId).roles = [...roles];
  }

  /** Patches an app. */
  updateApp(clientId: string, patch: Partial<Omit<EmulatorApp, 'clientId'>>): void {
    const app = this.requireApp(clientId);
    if (patch.tenantId !== undefined) app.tenantId = patch.tenantId.toLowerCase();
    if (patch.displayName !== undefined) app.displayName = patch.displayName;
    if (patch.secrets !== undefined) app.secrets = patch.secrets.map(secretRecord);
    if (patch.roles !== undefined) app.roles = [...patch.roles];
    if (patch.disabled !== undefined) app.disabled = patch.disabled;
    if (patch.rbac !== undefined) app.rbac = rbacRecords(patch.rbac);
    if (patch.certificates !== undefined) app.certificates = patch.certificates.map(certificateRecord);
    if (patch.federatedCredentials !== undefined) app.federated = patch.federatedCredentials.map(federatedRecord);
  }

  /** The managed identity with this client ID, or the system-assigned one. */
  findManagedIdentity(clientId: string | undefined): AppRecord | undefined {
    const key = clientId?.toLowerCase();
    return this.state.apps.find((a) => a.managedIdentity !== undefined && (key === undefined ? a.managedIdentity === 'system' : a.clientId === key));
  }

  /** The permissions Exchange RBAC for Applications gives an app on one mailbox (`Mail.Send`, ...). */
  rbacRoles(clientId: string, mailbox: string): string[] {
    const app = this.findAppAnywhere(clientId);
    const key = mailbox.toLowerCase();
    return (app?.rbac ?? []).filter((a) => a.mailboxes.includes(key)).map((a) => a.role.replace(/^Application /, ''));
  }

  /** True when the app has any RBAC for Applications assignment. */
  hasRbac(clientId: string): boolean {
    return (this.findAppAnywhere(clientId)?.rbac.length ?? 0) > 0;
  }

  /** Patches a mailbox, or adds it. */
  updateMailbox(address: string, patch: Partial<Omit<EmulatorMailbox, 'address'>>): void {
    const key = address.toLowerCase();
    const found = this.state.mailboxes.find((m) => m.address.toLowerCase() === key);
    if (!found) {
      this.state.mailboxes.push(this.mailboxRecord({ ...patch, address }, this.state.tenants[0]!.id));
      return;
    }
    if (patch.id !== undefined) found.id = patch.id.toLowerCase();
    if (patch.tenantId !== undefined) found.tenantId = patch.tenantId.toLowerCase();
    if (patch.displayName !== undefined) found.displayName = patch.displayName;
    if (patch.exists !== undefined) found.exists = patch.exists;
    if (patch.licensed !== undefined) found.licensed = patch.licensed;
    if (patch.accessPolicyDenied !== undefined) found.accessPolicyDenied = patch.accessPolicyDenied;
    if (patch.sendAs !== undefined) found.sendAs = [...patch.sendAs];
  }

  /** Restores the startup state. */
  reset(): void {
    this.state = clone(this.initial);
  }

  private requireApp(clientId: string): AppRecord {
    const app = this.findAppAnywhere(clientId);
    if (!app) throw new Error(`The emulator has no app with client ID ${clientId}`);
    return app;
  }

  private mailboxRecord(m: EmulatorMailbox, defaultTenant: string): MailboxRecord {
    return {
      address: m.address,
      id: (m.id ?? newGuid()).toLowerCase(),
      tenantId: (m.tenantId ?? defaultTenant).toLowerCase(),
      displayName: m.displayName ?? m.address.split('@')[0] ?? m.address,
      exists: m.exists ?? true,
      licensed: m.licensed ?? true,
      accessPolicyDenied: m.accessPolicyDenied ?? false,
      sendAs: [...(m.sendAs ?? [])],
    };
  }
}
