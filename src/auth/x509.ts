
import { nodeCrypto } from '../runtime/node-builtins';
/** What the library reads from an X.509 certificate. */
export interface CertificateInfo {
  /** SHA-256 thumbprint, lower-case hex: what Entra ID shows and msal-node's `thumbprintSha256` takes. */
  thumbprintSha256: string;
  /** The certificate's subject, e.g. `CN=o365-oauth-mailer`. */
  subject: string;
  /** Valid from. */
  notBefore: Date;
  /** Valid until: Entra ID refuses assertions signed with it afterwards. */
  notAfter: Date;
}

/** A new key pair with a self-signed certificate, in PEM. */
export interface SelfSignedCertificate extends CertificateInfo {
  /** The public certificate: the file to upload under Certificates & secrets › Certificates. */
  certificatePem: string;
  /** The private key, PKCS#8. Never print it. */
  privateKeyPem: string;
}

// The one module that loads @peculiar/x509, and only when a certificate is used (import() caches the module).
const loadX509 = () => import('@peculiar/x509');

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

/** The PEM blocks of one type in a text, in order. */
export function pemBlocks(text: string, label: string): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g');
  return text.match(re) ?? [];
}

/** Reads the thumbprint, subject and validity of a PEM certificate (the first one of a chain). */
export async function readCertificate(pem: string): Promise<CertificateInfo> {
  const { X509Certificate } = await loadX509();
  const cert = new X509Certificate(pem);
  return {
    thumbprintSha256: nodeCrypto().createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
    subject: cert.subject,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** Makes an RSA 2048 key pair and a self-signed certificate valid for `days` days from now. */
export async function createSelfSignedCertificate(options: { days: number; subject: string; now?: Date }): Promise<SelfSignedCertificate> {
  const x509 = await loadX509();
  const keys = await crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const notBefore = options.now ?? new Date();
  const notAfter = new Date(notBefore.getTime() + options.days * 86_400_000);
  // A positive serial number of 16 random bytes (RFC 5280 allows up to 20).
  const serial = nodeCrypto().randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: options.subject,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const privateKeyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  const certificatePem = cert.toString('pem');
  return { certificatePem, privateKeyPem, ...(await readCertificate(certificatePem)) };
}
