import { webcrypto } from 'node:crypto';
import { randomBytes } from 'node:crypto';

/** A private key and certificate in PEM. */
export interface TlsMaterial {
  /** PKCS#8 private key. */
  key: string;
  /** Self-signed certificate; trust it as a CA. */
  cert: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}

/**
 * Generates a fresh self-signed EC P-256 certificate valid for `127.0.0.1`, `::1` and `localhost`, good for
 * `days` days (two by default; a kept emulator's state uses a year). Made with @peculiar/x509 (loaded here, on
 * demand), which the library already depends on for certificate credentials: no extra package for the emulator.
 */
export async function generateTlsMaterial(days = 2): Promise<TlsMaterial> {
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto as unknown as Crypto;
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${randomBytes(8).toString('hex')}`,
      name: 'CN=o365-oauth-mailer emulator',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + days * 24 * 3600_000),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
      ],
    },
    crypto,
  );
  const key = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { key: pem('PRIVATE KEY', key), cert: cert.toString('pem') };
}
