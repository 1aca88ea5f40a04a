import { dirname } from 'node:path';
import { wordedError, type MailerError } from '../errors/mailer-error';
import { wording } from '../errors/redact';
import { nodeFsPromises } from '../runtime/node-builtins';

/**
 * Who may own a secret or token-cache file and its folder: the user this process runs as, or root (the OpenSSH
 * `StrictModes` rule). Neither may be writable by group or others, since whoever can write it could plant tokens
 * or swap the file.
 */
function trustedOwner(uid: number): boolean {
  const me = process.getuid?.();
  return uid === me || uid === 0;
}

const GROUP_OR_OTHER_WRITE = 0o022;

function refused(path: string, why: string, secrets: readonly string[]): MailerError {
  return wordedError(
    {
      code: 'FILE_ACCESS',
      fix: 'Keep secret and token-cache files in a folder of their own, owned by the user the mailer runs as with mode 0700 (for example /var/lib/o365-mailer), never in a folder other users can write such as /tmp.',
    },
    wording`Refused to use ${path}: ${why}.`,
    secrets,
  );
}

/**
 * Checks, before a secret or token-cache file is read or written, that no other user could have planted or swapped
 * it: the folder and the file (when it exists) must be owned by this user or root and not writable by group or
 * others; the file must be a regular file. A folder this user owns that is open to others (say mode 0777) is
 * tightened to 0700 rather than used as it is. Does nothing on Windows (no POSIX owners) or when the folder does
 * not exist yet (it is then created with mode 0700).
 *
 * @example
 * ```ts
 * await assertTrustedFile('/var/lib/o365-mailer/tokens.json')
 * ```
 * @throws MailerError `FILE_ACCESS`
 */
export async function assertTrustedFile(path: string, secrets: readonly string[] = []): Promise<void> {
  if (typeof process.getuid !== 'function') return;
  const dir = dirname(path);
  let folder;
  try {
    folder = await nodeFsPromises().stat(dir);
  } catch {
    return; // missing: created with mode 0700 on the first write
  }
  if (!folder.isDirectory()) throw refused(path, `${dir} is not a folder`, secrets);
  if (!trustedOwner(folder.uid)) throw refused(path, `its folder ${dir} belongs to another user (uid ${folder.uid})`, secrets);
  if (folder.mode & GROUP_OR_OTHER_WRITE) {
    if (folder.uid !== process.getuid()) {
      throw refused(path, `its folder ${dir} can be written by other users (mode ${(folder.mode & 0o7777).toString(8)})`, secrets);
    }
    await nodeFsPromises().chmod(dir, 0o700).catch(() => {
      throw refused(path, `its folder ${dir} can be written by other users and could not be made private`, secrets);
    });
  }
  let file;
  try {
    file = await nodeFsPromises().stat(path); // a symbolic link (a mounted secret) is judged by its target
  } catch {
    return; // not written yet
  }
  if (file.isDirectory()) return; // reported as FILE_ACCESS "it is a folder" by the read itself
  if (!file.isFile()) throw refused(path, 'it is not a regular file (a FIFO, a socket or a device)', secrets);
  if (!trustedOwner(file.uid)) throw refused(path, `it belongs to another user (uid ${file.uid})`, secrets);
  if (file.mode & GROUP_OR_OTHER_WRITE) throw refused(path, `it can be written by other users (mode ${(file.mode & 0o777).toString(8)})`, secrets);
}
