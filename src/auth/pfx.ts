
import { nodeCrypto } from '../runtime/node-builtins';
/** The private key and certificates of a PKCS#12 (PFX) file, in PEM. */
export interface PfxContents {
  /** PKCS#8 PEM. Never print it. */
  privateKeyPem: string;
  /** The certificates, leaf first when the file says which key it belongs to. */
  certificatePems: string[];
}

/** Why a PFX file could not be read; the message is written for the administrator. */
export class PfxError extends Error {
  /** `password`: wrong or missing passphrase; `legacy`: an encryption this reader does not do; `content`: no key or certificate. */
  readonly reason: 'password' | 'legacy' | 'content';
  constructor(reason: PfxError['reason'], message: string) {
    super(message);
    this.name = 'PfxError';
    this.reason = reason;
  }
}

const KEY_BAG = '1.2.840.113549.1.12.10.1.1';
const SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const X509_CERT = '1.2.840.113549.1.9.22.1';

function pem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * Reads a PFX file with pkijs (the one module that loads it, lazily). Files encrypted with PBES2 (AES, what
 * OpenSSL 3 and current Windows write) are supported; the legacy RC2/3DES encryption is refused with a way out.
 */
export async function readPfx(data: Buffer, passphrase = ''): Promise<PfxContents> {
  const [pkijs, asn1js] = await Promise.all([import('pkijs'), import('asn1js')]);
  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: nodeCrypto().webcrypto as unknown as Crypto });
  const password = new TextEncoder().encode(passphrase).buffer as ArrayBuffer;
  const asn = asn1js.fromBER(new Uint8Array(data));
  if (asn.offset === -1) throw new PfxError('content', 'The file is neither PEM nor a PFX (PKCS#12) file.');
  let pfx: InstanceType<typeof pkijs.PFX>;
  try {
    pfx = new pkijs.PFX({ schema: asn.result });
  } catch {
    throw new PfxError('content', 'The file is neither PEM nor a PFX (PKCS#12) file.');
  }
  const legacy = (error: unknown) => /1\.2\.840\.113549\.1\.12\.1\.|contentEncryptionAlgorithm|not supported|Unknown/i.test(String((error as Error)?.message ?? error));
  try {
    await pfx.parseInternalValues({ password, checkIntegrity: true }, engine);
  } catch (error) {
    throw new PfxError('password', `The PFX file could not be opened: ${passphrase ? 'the passphrase is wrong' : 'it needs its passphrase'}.`);
  }
  const safe = pfx.parsedValue?.authenticatedSafe;
  if (!safe) throw new PfxError('content', 'The PFX file holds no key or certificate.');
  try {
    await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password })) }, engine);
  } catch (error) {
    if (legacy(error)) {
      throw new PfxError(
        'legacy',
        'The PFX file uses the legacy RC2/3DES encryption. Export it again with AES (Windows: "AES256-SHA256"; OpenSSL 3: the default), or convert it to PEM: `openssl pkcs12 -legacy -in old.pfx -nodes -out key-and-cert.pem`.',
      );
    }
    throw new PfxError('password', 'The PFX file could not be opened: the passphrase is wrong.');
  }
  let privateKeyPem: string | undefined;
  const certificatePems: string[] = [];
  for (const contents of safe.parsedValue?.safeContents ?? []) {
    for (const bag of contents.value.safeBags) {
      if (bag.bagId === SHROUDED_KEY_BAG) {
        const shrouded = bag.bagValue as InstanceType<typeof pkijs.PKCS8ShroudedKeyBag>;
        // Public in pkijs' JavaScript and its documentation, protected in its typings.
        await (shrouded as unknown as { parseInternalValues(p: { password: ArrayBuffer }, e: unknown): Promise<void> }).parseInternalValues({ password }, engine);
        if (shrouded.parsedValue) privateKeyPem ??= pem(shrouded.parsedValue.toSchema().toBER(false), 'PRIVATE KEY');
      } else if (bag.bagId === KEY_BAG) {
        privateKeyPem ??= pem((bag.bagValue as InstanceType<typeof pkijs.PrivateKeyInfo>).toSchema().toBER(false), 'PRIVATE KEY');
      } else if (bag.bagId === CERT_BAG) {
        const certBag = bag.bagValue as InstanceType<typeof pkijs.CertBag>;
        if (certBag.certId === X509_CERT) certificatePems.push(pem((certBag.parsedValue as InstanceType<typeof pkijs.Certificate>).toSchema().toBER(false), 'CERTIFICATE'));
      }
    }
  }
  if (!privateKeyPem || certificatePems.length === 0) {
    throw new PfxError('content', `The PFX file holds ${privateKeyPem ? 'no certificate' : 'no private key'}: export the certificate with its private key.`);
  }
  return { privateKeyPem, certificatePems };
}
