import { resolve } from 'node:path';
import { MailerError, wordedError } from '../errors/mailer-error';
import { wording } from '../errors/redact';
import { EnvelopeCipher, isEnvelope } from './envelope';
import { fileError } from './file-errors';
import { atomicWriteFile, readFileIfExists, withFileLock, type FileLockOptions } from './file-io';
import { assertTrustedFile } from './file-trust';

/**
 * Options of {@link MapFile}.
 *
 * @example
 * ```ts
 * const options: MapFileOptions = { path: '/var/lib/o365/secrets.enc', format: 'o365-oauth-mailer/secrets', passphrase }
 * ```
 */
export interface MapFileOptions {
  /** The file. Its folder is created with mode 0700 when missing. */
  path: string;
  /** Written into the file and checked on read, so one kind of file is never mistaken for another. */
  format: string;
  /** When set, the file is an AES-256-GCM envelope (see `envelope.ts`); otherwise plain JSON. */
  passphrase?: string;
  /** Lock timing for writers. */
  lock?: FileLockOptions;
}

interface Document<V> {
  format: string;
  version: 1;
  entries: Record<string, V>;
}

/**
 * One file holding a JSON map `name → value`, optionally encrypted as a whole. Reads are lock-free (writes replace
 * the file atomically); every change is a read-modify-write under a lock file (`<path>.lock`), so writers in other
 * instances or processes never lose each other's names.
 *
 * @example
 * ```ts
 * const file = new MapFile<string>({ path, format: 'o365-oauth-mailer/secrets', passphrase })
 * await file.update((entries) => { entries.smtp = 'value' })
 * const entries = await file.read()
 * ```
 */
export class MapFile<V> {
  readonly #path: string;
  readonly #format: string;
  readonly #cipher: EnvelopeCipher | undefined;
  readonly #passphrase: string | undefined;
  readonly #lock: FileLockOptions;

  constructor(options: MapFileOptions) {
    if (typeof options.path !== 'string' || options.path.length === 0) {
      throw new MailerError({ code: 'CONFIG_INVALID', message: 'A file store needs a non-empty `path`.' });
    }
    this.#path = resolve(options.path);
    this.#format = options.format;
    this.#passphrase = options.passphrase;
    this.#cipher = options.passphrase !== undefined ? new EnvelopeCipher(options.passphrase, { label: this.#path }) : undefined;
    this.#lock = options.lock ?? {};
  }

  /** The absolute path of the file. */
  get path(): string {
    return this.#path;
  }

  /** True when the file is encrypted. */
  get encrypted(): boolean {
    return this.#cipher !== undefined;
  }

  /** The entries, or `undefined` when the file does not exist. */
  async read(): Promise<Record<string, V> | undefined> {
    try {
      return (await this.#load())?.entries;
    } catch (e) {
      throw fileError(e, this.#path, 'read', this.#secrets());
    }
  }

  #secrets(): string[] {
    return this.#passphrase ? [this.#passphrase] : [];
  }

  /**
   * Changes the entries under the lock: `mutate` edits the freshly read map in place; return `false` from it to
   * skip the write.
   */
  async update(mutate: (entries: Record<string, V>) => boolean | void): Promise<void> {
    try {
      await this.#update(mutate);
    } catch (e) {
      throw fileError(e, this.#path, 'write', this.#secrets());
    }
  }

  async #update(mutate: (entries: Record<string, V>) => boolean | void): Promise<void> {
    await assertTrustedFile(this.#path, this.#secrets());
    await withFileLock(
      `${this.#path}.lock`,
      async () => {
        const current = await this.#load();
        const entries: Record<string, V> = current?.entries ?? Object.create(null);
        if (mutate(entries) === false) return;
        const doc: Document<V> = { format: this.#format, version: 1, entries: { ...entries } };
        const json = Buffer.from(JSON.stringify(doc), 'utf8');
        const data = this.#cipher ? await this.#cipher.seal(json, current?.salt) : json;
        await atomicWriteFile(this.#path, data);
      },
      {
        ...this.#lock,
        onTimeout: () => {
          throw wordedError(
            {
              code: 'SECRET_STORE_LOCKED',
              fix: 'Try again. If no other process is writing the file, delete the .lock file next to it (it may belong to another user).',
              retriable: true,
            },
            wording`Timed out waiting for the lock file ${`${this.#path}.lock`} held by another writer; nothing was written.`,
            this.#secrets(),
          );
        },
      },
    );
  }

  async #load(): Promise<{ entries: Record<string, V>; salt?: Buffer } | undefined> {
    await assertTrustedFile(this.#path, this.#secrets());
    const data = await readFileIfExists(this.#path);
    if (data === undefined) return undefined;
    let json: Buffer = data;
    let salt: Buffer | undefined;
    if (this.#cipher) {
      ({ plaintext: json, salt } = await this.#cipher.open(data));
    } else if (isEnvelope(data)) {
      throw wordedError(
        { code: 'CONFIG_INVALID', fix: 'Pass the `passphrase` the file was written with.' },
        wording`The file ${this.#path} is encrypted, but no passphrase was given.`,
      );
    }
    let doc: Partial<Document<V>> | undefined;
    try {
      doc = JSON.parse(json.toString('utf8')) as Partial<Document<V>>;
    } catch {
      doc = undefined;
    }
    if (!doc || doc.format !== this.#format || doc.version !== 1 || typeof doc.entries !== 'object' || doc.entries === null) {
      throw wordedError(
        {
          code: this.#cipher ? 'SECRET_STORE_LOCKED' : 'CONFIG_INVALID',
          fix: 'Point `path` at a file of its own, or delete the file so it is created again.',
        },
        wording`The file ${this.#path} is not a ${this.#format} file (version 1); it was left untouched.`,
        this.#secrets(),
      );
    }
    const entries: Record<string, V> = Object.assign(Object.create(null), doc.entries);
    return salt ? { entries, salt } : { entries };
  }

  /** Only the kind and path. */
  toJSON(): Record<string, string> {
    return { kind: 'MapFile', path: this.#path };
  }
}
