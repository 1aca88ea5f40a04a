import type { ScryptOptions } from 'node:crypto';
import { MailerError, wordedError } from '../errors/mailer-error';
import { Wording } from '../errors/redact';
import { INSPECT_CUSTOM, nodeCrypto } from '../runtime/node-builtins';

/**
 * The first six bytes of every encrypted file (see {@link EnvelopeCipher} for the layout).
 *
 * @example
 * ```ts
 * const encrypted = (await readFile(path)).subarray(0, 6).toString('ascii') === ENVELOPE_MAGIC
 * ```
 */
export const ENVELOPE_MAGIC = 'O365MS';

/**
 * The envelope format version this library writes and reads.
 *
 * @example
 * ```ts
 * if (sealed[6] !== ENVELOPE_VERSION) console.log('written by another version')
 * ```
 */
export const ENVELOPE_VERSION = 1;

/**
 * The scrypt parameters used for new files: N = 2^17, r = 8, p = 1 (about 0.3 s and 128 MiB per derivation).
 *
 * @example
 * ```ts
 * console.log(2 ** DEFAULT_SCRYPT_PARAMS.log2N) // 131072
 * ```
 */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ log2N: 17, r: 8, p: 1 });

/**
 * scrypt's cost parameters as stored in an envelope header.
 *
 * @example
 * ```ts
 * const params: ScryptParams = { log2N: 17, r: 8, p: 1 }
 * ```
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  log2N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

const MAGIC = Buffer.from(ENVELOPE_MAGIC, 'ascii');
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 4 + SALT_BYTES + IV_BYTES; // 38
const MAX_MEM = 256 * 1024 * 1024;
/** Bounds that keep a modified header from asking for an absurd derivation. */
const LIMITS = { log2N: [14, 20], r: [1, 32], p: [1, 16] } as const;

/**
 * True when `data` starts with the envelope's magic bytes (it may still be damaged or written with another passphrase).
 *
 * @example
 * ```ts
 * if (isEnvelope(await readFile(path))) console.log('encrypted')
 * ```
 */
export function isEnvelope(data: Uint8Array): boolean {
  return data.length >= MAGIC.length && Buffer.from(data.buffer, data.byteOffset, MAGIC.length).equals(MAGIC);
}

/**
 * What {@link EnvelopeCipher.open} returns: the plaintext and the salt, so the next write of the same file can keep
 * the salt (and reuse the key derived for it).
 *
 * @example
 * ```ts
 * const { plaintext, salt } = await cipher.open(sealed)
 * await cipher.seal(plaintext, salt)
 * ```
 */
export interface OpenedEnvelope {
  /** The decrypted bytes. */
  plaintext: Buffer;
  /** The file's scrypt salt. */
  salt: Buffer;
}

/**
 * Options of {@link EnvelopeCipher}.
 *
 * @example
 * ```ts
 * const options: EnvelopeCipherOptions = { label: '/etc/o365-mailer/secrets.enc' }
 * ```
 */
export interface EnvelopeCipherOptions {
  /** Names the protected file in error messages (a path). */
  label?: string;
}

function locked(label: string, reason: string, passphrase: string, cause?: unknown): MailerError {
  // The reason is the library's wording: only the label (a path) is data that could hold the passphrase.
  return wordedError(
    {
      code: 'SECRET_STORE_LOCKED',
      step: 5,
      fix:
        'Use the passphrase the file was written with. If the file was damaged or the passphrase is lost, delete ' +
        'the file and store the secret again (the client secret Value from step 5).',
      ...(cause !== undefined ? { cause } : {}),
    },
    new Wording(['Cannot open the encrypted file ', `: ${reason}.`], [label]),
    [passphrase],
  );
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** params.log2N, r: params.r, p: params.p, maxmem: MAX_MEM };
  return new Promise((resolve, reject) => {
    nodeCrypto().scrypt(passphrase, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Seals and opens the encrypted file format shared by {@link EncryptedFileSecretStore} and an encrypted
 * `FileTokenCache`, with one passphrase. Keys are derived asynchronously (`crypto.scrypt`) once per salt and kept
 * in the instance, so a long-lived instance pays the ~0.3 s scrypt cost once per file. Safe to print: neither the
 * passphrase nor any key is reachable through `util.inspect` or `JSON.stringify`.
 *
 * Layout (all integers unsigned, 54 bytes of overhead):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 6 | magic `O365MS` (ASCII) |
 * | 6 | 1 | format version, `1` |
 * | 7 | 1 | scrypt cost as log2(N), `17` |
 * | 8 | 1 | scrypt block size r, `8` |
 * | 9 | 1 | scrypt parallelism p, `1` |
 * | 10 | 16 | scrypt salt, random per file |
 * | 26 | 12 | AES-GCM IV, random on every write |
 * | 38 | n | AES-256-GCM ciphertext |
 * | 38+n | 16 | GCM authentication tag |
 *
 * Bytes 0–37 (the whole header) are the GCM additional authenticated data, so changing any byte of the file makes
 * decryption fail. The key is `nodeCrypto().scrypt(passphrase, salt, 32, { N, r, p })`.
 *
 * @example
 * ```ts
 * const cipher = new EnvelopeCipher(process.env.SECRETS_PASSPHRASE!, { label: path })
 * await writeFile(path, await cipher.seal(Buffer.from(json)))
 * const { plaintext } = await cipher.open(await readFile(path))
 * ```
 */
export class EnvelopeCipher {
  readonly #passphrase: string;
  readonly #label: string;
  readonly #keys = new Map<string, Promise<Buffer>>();
  #salt: Buffer | undefined;

  constructor(passphrase: string, options: EnvelopeCipherOptions = {}) {
    if (typeof passphrase !== 'string' || passphrase.length === 0) {
      throw new MailerError({
        code: 'CONFIG_INVALID',
        message: 'An encrypted file needs a non-empty `passphrase` string.',
        fix: 'Pass the passphrase, e.g. from an environment variable or your deployment secret manager.',
      });
    }
    this.#passphrase = passphrase;
    this.#label = options.label ?? 'file';
  }

  /**
   * Encrypts `plaintext` under a fresh random IV. `salt` is the salt of the file being replaced, when there is
   * one; otherwise this instance's own random salt is used.
   */
  async seal(plaintext: Uint8Array, salt?: Buffer): Promise<Buffer> {
    const useSalt = salt ?? (this.#salt ??= nodeCrypto().randomBytes(SALT_BYTES));
    const params = DEFAULT_SCRYPT_PARAMS;
    const key = await this.#key(useSalt, params);
    const iv = nodeCrypto().randomBytes(IV_BYTES);
    const header = Buffer.concat([
      MAGIC,
      Buffer.from([ENVELOPE_VERSION, params.log2N, params.r, params.p]),
      useSalt,
      iv,
    ]);
    const cipher = nodeCrypto().createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, body, cipher.getAuthTag()]);
  }

  /**
   * Decrypts an envelope. Any modified byte, a wrong passphrase or a file that is not an envelope rejects with a
   * {@link MailerError} `SECRET_STORE_LOCKED`.
   */
  async open(data: Uint8Array): Promise<OpenedEnvelope> {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (!isEnvelope(buf)) throw locked(this.#label, 'it is not an encrypted o365-oauth-mailer file (or its header was modified)', this.#passphrase);
    if (buf.length < HEADER_BYTES + TAG_BYTES) throw locked(this.#label, 'it is truncated', this.#passphrase);
    const version = buf[6];
    if (version !== ENVELOPE_VERSION) {
      throw locked(this.#label, `its format version ${version} is not supported (expected ${ENVELOPE_VERSION}), or the file was modified`, this.#passphrase);
    }
    const params: ScryptParams = { log2N: buf[7]!, r: buf[8]!, p: buf[9]! };
    for (const name of ['log2N', 'r', 'p'] as const) {
      const [min, max] = LIMITS[name];
      if (params[name] < min || params[name] > max) throw locked(this.#label, 'its key-derivation parameters are invalid (the file was modified)', this.#passphrase);
    }
    if (128 * 2 ** params.log2N * params.r * params.p > MAX_MEM / 2) {
      throw locked(this.#label, 'its key-derivation parameters are invalid (the file was modified)', this.#passphrase);
    }
    const header = buf.subarray(0, HEADER_BYTES);
    const salt = Buffer.from(buf.subarray(10, 10 + SALT_BYTES));
    const iv = buf.subarray(10 + SALT_BYTES, HEADER_BYTES);
    const body = buf.subarray(HEADER_BYTES, buf.length - TAG_BYTES);
    const tag = buf.subarray(buf.length - TAG_BYTES);
    let key: Buffer;
    try {
      key = await this.#key(salt, params);
    } catch (e) {
      // scrypt refused the header's parameters (e.g. N >= 2^(16 r)): the header was modified.
      throw locked(this.#label, 'its key-derivation parameters are invalid (the file was modified)', this.#passphrase, e);
    }
    try {
      const decipher = nodeCrypto().createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(header);
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
      this.#salt ??= salt;
      return { plaintext, salt };
    } catch (e) {
      throw locked(this.#label, 'the passphrase is wrong or the file was modified', this.#passphrase, e);
    }
  }

  #key(salt: Buffer, params: ScryptParams): Promise<Buffer> {
    const id = `${params.log2N}:${params.r}:${params.p}:${salt.toString('hex')}`;
    let key = this.#keys.get(id);
    if (!key) {
      key = deriveKey(this.#passphrase, salt, params);
      this.#keys.set(id, key);
      key.catch(() => this.#keys.delete(id));
    }
    return key;
  }

  /** Only the kind and label: never the passphrase or a key. */
  toJSON(): Record<string, string> {
    return { kind: 'EnvelopeCipher', label: this.#label };
  }

  /** `util.inspect` shows only the kind and label. */
  [INSPECT_CUSTOM](): string {
    return `EnvelopeCipher { label: ${JSON.stringify(this.#label)} }`;
  }
}
