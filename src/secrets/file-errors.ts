import { MailerError } from '../errors/mailer-error';

/** What each file-system error means for the administrator, and what to do. */
const REASONS: Readonly<Record<string, { reason: string; fix?: string }>> = {
  EISDIR: { reason: 'it is a folder, not a file', fix: 'Point `path` at a file (it is created when missing), not at a folder.' },
  ENOTDIR: { reason: 'a part of its path is a file, not a folder', fix: 'Point `path` at a file in an existing or creatable folder.' },
  EACCES: { reason: 'access was refused (permissions)', fix: 'Give the user the mailer runs as read and write access to the file and its folder (mode 0600 and 0700, owned by that user).' },
  EPERM: { reason: 'the operation was not permitted (the file or folder belongs to another user, or is locked by the system)', fix: 'Give the user the mailer runs as ownership of the file and its folder, or choose a folder of its own.' },
  EROFS: { reason: 'the file system is read-only', fix: 'Point `path` at a writable file system.' },
  ENOSPC: { reason: 'the disk is full', fix: 'Free disk space, then try again.' },
  EDQUOT: { reason: 'the disk quota is exhausted', fix: 'Free disk space or raise the quota, then try again.' },
  ELOOP: { reason: 'its path has too many symbolic links', fix: 'Point `path` at a real file, not a symbolic link loop.' },
  ENAMETOOLONG: { reason: 'its path is too long', fix: 'Choose a shorter path.' },
  EMFILE: { reason: 'this process has too many open files', fix: 'Raise the open-file limit (ulimit -n) or close unused files.' },
};

/**
 * Turns a file-system failure on `path` into a {@link MailerError} `FILE_ACCESS` that names the file, says why in
 * words and keeps the errno as the cause. A {@link MailerError} passes through unchanged.
 *
 * @example
 * ```ts
 * try { await readFile(path) } catch (e) { throw fileError(e, path, 'read') }
 * ```
 */
export function fileError(error: unknown, path: string, doing: 'read' | 'write' | 'lock', secrets: readonly string[] = []): MailerError {
  if (error instanceof MailerError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code !== undefined ? REASONS[code] : undefined;
  const detail = known?.reason ?? `${code ?? 'error'}: ${String((error as Error)?.message ?? error)}`;
  return new MailerError(
    {
      code: 'FILE_ACCESS',
      message: `Could not ${doing} ${path}: ${detail}.`,
      ...(known?.fix ? { fix: known.fix } : {}),
      cause: error,
    },
    secrets,
  );
}
