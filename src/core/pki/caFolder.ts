/**
 * The CA folder's safety: the README promises an owner-only key, so the folder and its files must
 * belong to the user running Pinscope and be writable only by them. Anything another user could have
 * planted is refused; modes that are merely too open are repaired, and the repair is said out loud.
 * POSIX only: on Windows the folder lives in the user's profile, protected by its ACL.
 */
import { constants } from 'node:fs';
import { join } from 'node:path';
import { chmod, open, rm, stat } from 'node:fs/promises';

export const FOLDER_MODE = 0o700;
export const KEY_MODE = 0o600;
export const CERT_MODE = 0o644;

/** Refused: the folder or a file in it belongs to someone else, or is not what it should be. */
export class UnsafeCaFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeCaFolderError';
  }
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;
const currentUid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/** Checks the folder itself; returns what was repaired (in words for the user). */
export async function secureFolder(directory: string): Promise<string[]> {
  const uid = currentUid();
  if (uid === undefined) return [];
  const info = await stat(directory);
  if (!info.isDirectory()) throw new UnsafeCaFolderError(`The CA folder ${directory} is not a folder.`);
  if (info.uid !== uid) {
    throw new UnsafeCaFolderError(
      `The CA folder ${directory} belongs to user id ${info.uid}, not to you (${uid}): whoever owns it could have planted a CA there. Pinscope refuses to use it; choose a folder of your own (--ca-dir, or the extension's default).`,
    );
  }
  if ((info.mode & 0o077) === 0) return [];
  await chmod(directory, FOLDER_MODE);
  const writable = (info.mode & 0o022) !== 0;
  return [
    `The CA folder ${directory} was ${writable ? 'writable' : 'readable'} by other users (mode ${octal(info.mode)}); Pinscope made it owner-only (${octal(FOLDER_MODE)}).${writable ? ' Its files are checked to be yours.' : ''}`,
  ];
}

export interface CaFile {
  readonly text: string;
  readonly notices: string[];
}

/**
 * Reads a CA file without following a symbolic link, after checking (on the open file, so nothing can
 * be swapped in between) that it is a regular file of the current user; too-open modes are repaired.
 */
export async function readCaFile(path: string, role: 'key' | 'certificate'): Promise<CaFile> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UnsafeCaFolderError(
        `The CA ${role} ${path} is a symbolic link: Pinscope reads its CA only from regular files in its folder.`,
      );
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UnsafeCaFolderError(`The CA ${role} ${path} is not a regular file.`);
    const notices: string[] = [];
    const uid = currentUid();
    if (uid !== undefined) {
      if (info.uid !== uid) {
        throw new UnsafeCaFolderError(
          `The CA ${role} ${path} belongs to user id ${info.uid}, not to you (${uid}): someone else may have planted it. Pinscope refuses to load it; remove the folder's files and let Pinscope create a new CA (apps must then trust the new one).`,
        );
      }
      const tooOpen = role === 'key' ? (info.mode & 0o077) !== 0 : (info.mode & 0o022) !== 0;
      if (tooOpen) {
        const wanted = role === 'key' ? KEY_MODE : CERT_MODE;
        await handle.chmod(wanted);
        notices.push(
          role === 'key'
            ? `The CA key ${path} was readable by other users (mode ${octal(info.mode)}); Pinscope made it owner-only (${octal(wanted)}). Anyone who copied it can impersonate any site to the apps that trust this CA: if that may have happened, create a new CA (pinscope ca --renew) and trust that one instead.`
            : `The CA certificate ${path} was writable by other users (mode ${octal(info.mode)}); Pinscope set it to ${octal(wanted)}.`,
        );
      }
    }
    return { text: await handle.readFile('utf8'), notices };
  } finally {
    await handle.close();
  }
}

/** The lock file that makes the first start of several Pinscopes create one CA, not one each. */
const CREATION_LOCK = '.creating.lock';
/** A lock older than this was left by a process that died while creating: it is taken over. */
const STALE_LOCK_MS = 60_000;
/** How long a start waits for another one to finish creating the CA. */
const LOCK_WAIT_MS = 120_000;

/** Whether another start is creating the CA in `directory` right now. */
export async function creationUnderway(directory: string): Promise<boolean> {
  return stat(join(directory, CREATION_LOCK)).then(
    () => true,
    () => false,
  );
}

/**
 * Runs `create` holding the folder's creation lock (an exclusive create of a lock file): concurrent first
 * starts wait for the one that creates the CA, then load it. `create` must re-check whether the CA now
 * exists: the lock may have been taken after another process finished.
 */
export async function withCreationLock<T>(directory: string, create: () => Promise<T>): Promise<T> {
  const path = join(directory, CREATION_LOCK);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, KEY_MODE);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(path).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK_MS) await rm(path, { force: true });
    else if (Date.now() > deadline)
      throw new Error(
        `another Pinscope has been creating the CA for ${Math.round(LOCK_WAIT_MS / 1000)} s (${path}); if none is running, remove that file`,
      );
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    return await create();
  } finally {
    await rm(path, { force: true });
  }
}
