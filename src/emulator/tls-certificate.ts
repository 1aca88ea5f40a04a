import { generate } from 'selfsigned';

/** A private key and certificate in PEM. */
export interface TlsMaterial {
  /** PKCS#8 private key. */
  key: string;
  /** Self-signed certificate; trust it as a CA. */
  cert: string;
}

/**
 * Generates a fresh self-signed EC P-256 certificate valid for `127.0.0.1`, `::1` and `localhost`, good for
 * `days` days (two by default; a kept emulator's state uses a year).
 */
export async function generateTlsMaterial(days = 2): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + days * 24 * 3600_000);
  const pems = await generate([{ name: 'commonName', value: 'o365-oauth-mailer emulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
