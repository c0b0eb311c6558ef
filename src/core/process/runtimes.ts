/**
 * Which runtime a process is, and where that runtime takes its trusted roots from by default: the OS
 * store (so installing the CA there is enough) or a store of its own (Node's bundled roots, Java's
 * cacerts, NSS profiles — installing the CA in the OS store does not help; real inspection breaks them
 * too unless the app or its launch is changed).
 */
import { open, stat } from 'node:fs/promises';
import { runtimeFacts, runtimeFromName, type RuntimeFacts } from '../record/runtimes';

const GO_BUILDINFO = Buffer.from('\xff Go buildinf:', 'latin1');
const GO_NOTE_NAME = Buffer.from('Go\0\0', 'latin1');

/** An ELF note named "Go" of type 4 (the Go build ID): namesz 4, descsz, type 4, "Go\0\0" (little-endian). */
function hasGoBuildIdNote(head: Buffer): boolean {
  for (let at = head.indexOf(GO_NOTE_NAME); at >= 12; at = head.indexOf(GO_NOTE_NAME, at + 1)) {
    if (head.readUInt32LE(at - 12) === 4 && head.readUInt32LE(at - 4) === 4) return true;
  }
  return false;
}
const MAX_SCAN_BYTES = 256 * 1024 * 1024;
const goCache = new Map<string, boolean>();

/** Does the executable carry Go's build-info section? Read in chunks, cached by path, size and mtime. */
export async function isGoBinary(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return false;
  const key = `${path}:${info.size}:${info.mtimeMs}`;
  const known = goCache.get(key);
  if (known !== undefined) return known;
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return false;
  let found = false;
  try {
    // Fast path: the linker puts the `.note.go.buildid` ELF note (name "Go", type 4) in the first page,
    // while the build-info section sits after the code, megabytes in.
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead: headBytes } = await handle.read(head, 0, head.length, 0);
    found = hasGoBuildIdNote(head.subarray(0, headBytes));
    const chunk = Buffer.alloc(1024 * 1024);
    let carry = Buffer.alloc(0);
    for (let position = 0; position < Math.min(info.size, MAX_SCAN_BYTES) && !found;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      const window = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      found = window.includes(GO_BUILDINFO);
      carry = window.subarray(Math.max(0, window.length - GO_BUILDINFO.length));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  goCache.set(key, found);
  return found;
}

export async function detectRuntime(path: string | null, name: string): Promise<RuntimeFacts> {
  const named = runtimeFromName(path, name);
  if (named) return runtimeFacts(named);
  if (path && (await isGoBinary(path.replace(/ \(deleted\)$/, '')))) return runtimeFacts('go');
  return runtimeFacts('unknown');
}
