/**
 * What Linux's `/proc/PID` tells about one process: `stat` (name, parent, start time — field 22, clock
 * ticks since boot, which with the pid names one process for its whole life), the executable, the
 * command line. Every reader resolves to null when the process is gone or not readable: never throws.
 */
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';

export interface ProcStat {
  readonly pid: number;
  /** The kernel's name (`comm`, at most 15 characters). */
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** Field 22: start time in clock ticks since boot. */
  readonly startTime: string;
}

/** Parses `/proc/PID/stat`; the name is in parentheses and may itself hold spaces and parentheses. */
function parseStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(ppid) || startTime === undefined || !/^\d+$/.test(startTime))
    return null;
  return { pid, comm: text.slice(open + 1, close), state, ppid, startTime };
}

export async function readStat(pid: number, root = '/proc'): Promise<ProcStat | null> {
  const text = await readFile(`${root}/${pid}/stat`, 'utf8').catch(() => null);
  return text === null ? null : parseStat(text);
}

/**
 * The same, read in place: procfs answers from memory, so one small read costs microseconds, where an
 * asynchronous one costs a trip through libuv's thread pool (for the hot path of a known process).
 */
export function readStatSync(pid: number, root = '/proc'): ProcStat | null {
  try {
    return parseStat(readFileSync(`${root}/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * `/proc/PID/stat` of the processes read again and again (a long-running client's every connection is
 * checked: is it still the process described?), each kept open and read at offset 0: one system call
 * where reading the file anew costs five. The open file stays bound to the process it was opened for:
 * once that process is gone (or its pid reused), a read fails (ESRCH) and the reader answers null, as
 * `readStatSync` does. At most `capacity` files are kept open; `close` closes them.
 */
export class ProcStatFiles {
  private readonly open = new Map<number, number>();
  private readonly buffer = Buffer.alloc(4096);

  constructor(
    private readonly root = '/proc',
    private readonly capacity = 32,
  ) {}

  read(pid: number): ProcStat | null {
    let fd = this.open.get(pid);
    if (fd === undefined) {
      try {
        fd = openSync(`${this.root}/${pid}/stat`, 'r');
      } catch {
        return null;
      }
      this.keep(pid, fd);
    }
    try {
      const length = readSync(fd, this.buffer, 0, this.buffer.length, 0);
      // A stat longer than the buffer (it never is: the name is at most 15 characters) is read whole.
      return length < this.buffer.length ? parseStat(this.buffer.toString('utf8', 0, length)) : readStatSync(pid, this.root);
    } catch {
      this.forget(pid);
      return null;
    }
  }

  close(): void {
    for (const pid of [...this.open.keys()]) this.forget(pid);
  }

  private keep(pid: number, fd: number): void {
    this.open.set(pid, fd);
    for (const old of this.open.keys()) {
      if (this.open.size <= this.capacity) break;
      this.forget(old);
    }
  }

  private forget(pid: number): void {
    const fd = this.open.get(pid);
    this.open.delete(pid);
    if (fd !== undefined) closeSync(fd);
  }
}

export async function readExecutable(pid: number, root = '/proc'): Promise<string | null> {
  return readlink(`${root}/${pid}/exe`).catch(() => null);
}

/** NUL-separated arguments; empty for kernel threads and zombies. */
function parseCmdline(raw: Buffer): string[] {
  const text = raw.toString('utf8');
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

export async function readCmdline(pid: number, root = '/proc'): Promise<string[] | null> {
  const raw = await readFile(`${root}/${pid}/cmdline`).catch(() => null);
  return raw === null ? null : parseCmdline(raw);
}

/** `NAME=value` pairs; only the names asked for are kept (the rest is never held). Null when unreadable. */
function parseEnviron(raw: Buffer, keep: ReadonlySet<string>): Map<string, string> {
  const kept = new Map<string, string>();
  for (const entry of raw.toString('utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (keep.has(name)) kept.set(name, entry.slice(eq + 1));
  }
  return kept;
}

export async function readEnviron(pid: number, keep: ReadonlySet<string>, root = '/proc'): Promise<Map<string, string> | null> {
  const raw = await readFile(`${root}/${pid}/environ`).catch(() => null);
  return raw === null ? null : parseEnviron(raw, keep);
}

/**
 * The executable, command line and trust variables read in place, for a process seen holding a socket
 * while a connection is being accepted: it may exit a few milliseconds later (a client that rejects the
 * certificate), and procfs answers from memory in microseconds.
 */
export function readProcessSync(
  pid: number,
  keep: ReadonlySet<string>,
  root = '/proc',
): { path: string | null; argv: string[] | null; environment: Map<string, string> | null } {
  const attempt = <T>(read: () => T): T | null => {
    try {
      return read();
    } catch {
      return null;
    }
  };
  return {
    path: attempt(() => readlinkSync(`${root}/${pid}/exe`)),
    argv: attempt(() => parseCmdline(readFileSync(`${root}/${pid}/cmdline`))),
    environment: attempt(() => parseEnviron(readFileSync(`${root}/${pid}/environ`), keep)),
  };
}

/** The executable's path read in place (null when gone or unreadable): an exec changes it, not the pid. */
export function readExecutableSync(pid: number, root = '/proc'): string | null {
  try {
    return readlinkSync(`${root}/${pid}/exe`);
  } catch {
    return null;
  }
}
