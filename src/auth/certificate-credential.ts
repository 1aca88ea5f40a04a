import type { KeyObject } from 'node:crypto';
import type { ClientCertificate } from '../config/types';
import { catalogued } from '../errors/catalogue';
import { MailerError } from '../errors/mailer-error';
import type { Credential, CredentialExpiry, CredentialHooks } from './credential';
import { createMsalApp, type MsalAppOptions, type TokenClient } from './msal-app';
import { PfxError, readPfx } from './pfx';
import { pemBlocks, readCertificate, type CertificateInfo } from './x509';
import { nodeCrypto, nodeFsPromises } from '../runtime/node-builtins';

/** A certificate ready for msal-node. */
export interface LoadedCertificate {
  /** PKCS#8 PEM, unencrypted (msal-node signs with it). Never print it. */
  privateKey: string;
  /** The leaf certificate (the one the key belongs to), then the rest of the chain. */
  chain: string[];
  info: CertificateInfo;
}

const PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

function unavailable(message: string, fix: string, cause?: unknown): MailerError {
  return new MailerError({ ...catalogued('CREDENTIAL_UNAVAILABLE', message), fix, ...(cause !== undefined ? { cause } : {}) });
}

const CERT_FIX =
  'Give clientCertificate a PEM file with the private key and the certificate (as `o365-mailer cert create` writes), a PFX file with its passphrase, or { privateKey, certificate } as PEM strings.';

function privateKeyObject(pem: string, passphrase: string | undefined, where: string): KeyObject {
  try {
    return nodeCrypto().createPrivateKey({ key: pem, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem);
    throw unavailable(
      encrypted && !passphrase ? `The private key in ${where} is encrypted and no passphrase was given.` : `The private key in ${where} could not be read${encrypted ? ' (wrong passphrase?)' : ''}.`,
      encrypted ? 'Set clientCertificate.passphrase (CLI: AZURE_CLIENT_CERTIFICATE_PASSWORD) to the key\'s passphrase.' : CERT_FIX,
      error,
    );
  }
}

/** Checks the key against the certificates and puts the one it belongs to first. */
async function assemble(key: KeyObject, certificates: string[], where: string): Promise<LoadedCertificate> {
  if (certificates.length === 0) throw unavailable(`${where} holds no certificate (-----BEGIN CERTIFICATE-----).`, CERT_FIX);
  const leafIndex = certificates.findIndex((pem) => {
    try {
      return new (nodeCrypto().X509Certificate)(pem).checkPrivateKey(key);
    } catch {
      return false;
    }
  });
  if (leafIndex < 0) {
    throw unavailable(`The private key in ${where} does not belong to its certificate.`, 'Use the private key that was created with this certificate (a new key needs a new certificate, uploaded again in step 5).');
  }
  const chain = [certificates[leafIndex]!, ...certificates.filter((_, i) => i !== leafIndex)];
  const privateKey = key.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privateKey, chain, info: await readCertificate(chain[0]!) };
}

/** Reads a certificate credential: PEM strings, a PEM file or a PFX file. */
export async function loadCertificate(source: ClientCertificate): Promise<LoadedCertificate> {
  if ('privateKey' in source) {
    const key = privateKeyObject(source.privateKey, source.passphrase, 'clientCertificate.privateKey');
    return assemble(key, pemBlocks(source.certificate, 'CERTIFICATE'), 'clientCertificate.certificate');
  }
  const where = `the certificate file ${source.path}`;
  let data: Buffer;
  try {
    data = await nodeFsPromises().readFile(source.path);
  } catch (error) {
    throw unavailable(`${where[0]!.toUpperCase()}${where.slice(1)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, `Check the path and that this process may read the file. ${CERT_FIX}`, error);
  }
  const text = data.toString('utf8');
  if (text.includes('-----BEGIN')) {
    const keyPem = PRIVATE_KEY.exec(text)?.[0];
    if (!keyPem) throw unavailable(`${where} holds a certificate but no private key.`, 'Put the private key and the certificate in one PEM file (cat key.pem cert.pem > key-and-cert.pem); only the certificate is uploaded in step 5.');
    return assemble(privateKeyObject(keyPem, source.passphrase, where), pemBlocks(text, 'CERTIFICATE'), where);
  }
  let pfx;
  try {
    pfx = await readPfx(data, source.passphrase);
  } catch (error) {
    if (error instanceof PfxError) {
      const fix = error.reason === 'password' ? "Set clientCertificate.passphrase (CLI: AZURE_CLIENT_CERTIFICATE_PASSWORD) to the PFX file's passphrase." : CERT_FIX;
      throw unavailable(`${where}: ${error.message}`, error.reason === 'legacy' ? error.message : fix);
    }
    throw unavailable(`${where} could not be read as PEM or PFX.`, CERT_FIX, error);
  }
  return assemble(privateKeyObject(pfx.privateKeyPem, undefined, where), pfx.certificatePems, where);
}

/**
 * A certificate credential: msal-node signs each token request's assertion with the private key (PS256 with the
 * SHA-256 thumbprint in `x5t#S256`; the chain in `x5c` with `sendX5c`). A certificate read from a path is read
 * again after Entra ID refuses it, so replacing the file rotates it without a restart.
 */
export class CertificateCredential implements Credential {
  readonly kind = 'certificate' as const;
  readonly description: string;
  readonly #source: ClientCertificate;
  readonly #hooks: CredentialHooks;
  #loaded: Promise<LoadedCertificate> | undefined;

  constructor(source: ClientCertificate, hooks: CredentialHooks) {
    this.#source = source;
    this.#hooks = hooks;
    this.description = 'path' in source ? `the certificate from ${source.path}` : 'the configured certificate';
    if (source.passphrase) hooks.protect(source.passphrase);
    if ('privateKey' in source) hooks.protect(source.privateKey);
  }

  async createClient(options: MsalAppOptions): Promise<TokenClient> {
    const cert = await this.#load();
    return createMsalApp(options, {
      clientCertificate: {
        thumbprintSha256: cert.info.thumbprintSha256,
        privateKey: cert.privateKey,
        ...(this.#source.sendX5c ? { x5c: cert.chain.join('\n') } : {}),
      },
    });
  }

  async reload(error: MailerError): Promise<boolean> {
    if (!('path' in this.#source) || !['CERTIFICATE_NOT_REGISTERED', 'ASSERTION_EXPIRED', 'CERTIFICATE_EXPIRED'].includes(error.code)) return false;
    const before = await this.#load().catch(() => undefined);
    this.#loaded = undefined;
    const after = await this.#load().catch(() => undefined);
    if (!after) this.#loaded = undefined;
    return after !== undefined && after.info.thumbprintSha256 !== before?.info.thumbprintSha256;
  }

  async expiry(): Promise<CredentialExpiry> {
    const { info } = await this.#load();
    return { expiresAt: info.notAfter, what: `The certificate ${info.subject} (SHA-256 thumbprint ${info.thumbprintSha256.toUpperCase()})`, source: 'certificate' };
  }

  #load(): Promise<LoadedCertificate> {
    this.#loaded ??= loadCertificate(this.#source).then(
      (cert) => {
        this.#hooks.protect(cert.privateKey);
        return cert;
      },
      (error: unknown) => {
        this.#loaded = undefined;
        throw error;
      },
    );
    return this.#loaded;
  }
}
