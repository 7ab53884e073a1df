/**
 * What a failed file-system call means to the user: the errno codes of
 * node:fs in words, with what to do. Every read or write of netc goes
 * through files/read.ts or files/write.ts, which turn these into NetcErrors
 * naming the path (exit 1), never a stack trace.
 */

/** The errno code of a node:fs error, or undefined. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Why an operation on a path failed, in words, for the errno codes a user can cause. */
export function describeFsError(e: unknown): string {
  switch (errnoOf(e)) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENAMETOOLONG':
      return 'the path is too long (a name over 255 bytes, or a path over 4096)';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EBUSY':
      return 'the file is busy';
    case 'EIO':
      return 'an input/output error from the device';
    case 'EEXIST':
      return 'it already exists';
    default: {
      const m = (e as Error | null)?.message ?? String(e);
      // node:fs messages end with the path ("..., open 'x'"): the caller names the path itself.
      return m.replace(/, \w+ '.*'$/s, '').replace(/^[A-Z]+: /, '');
    }
  }
}
