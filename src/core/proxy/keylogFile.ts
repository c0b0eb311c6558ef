/**
 * The NSS key log (for Wireshark): TLS secrets, so the file is the user's alone. Opened without following
 * a symbolic link (one planted at the path would send the secrets elsewhere), created 0600, and refused
 * when it is not a regular file of this user; a file of this user's with looser modes is made 0600.
 */
import { closeSync, constants, createWriteStream, fchmodSync, fstatSync, openSync, type WriteStream } from 'node:fs';

export class KeylogFileError extends Error {
  override name = 'KeylogFileError';
}

export interface KeylogFile {
  readonly stream: WriteStream;
  /** Set when an existing file had group or other permissions, now removed. */
  readonly tightened: boolean;
}

export function openKeylogFile(path: string): KeylogFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new KeylogFileError(
      code === 'ELOOP'
        ? `key log ${path} is a symbolic link: refused (TLS secrets go only to a file of your own)`
        : `key log ${path} cannot be opened: ${code}`,
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new KeylogFileError(`key log ${path} is not a regular file: refused`);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid)
      throw new KeylogFileError(`key log ${path} belongs to another user (uid ${stat.uid}): refused`);
    const tightened = process.platform !== 'win32' && (stat.mode & 0o077) !== 0;
    if (tightened) fchmodSync(fd, 0o600);
    return { stream: createWriteStream(path, { fd, flags: 'a' }), tightened };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
