/**
 * Which process holds a socket inode, on Linux: `/proc/PID/fd/N` links to `socket:[INODE]`. Scanning
 * every process for every connection would cost milliseconds, so the index looks where the owner
 * most likely is, in this order, and stops at the first hit:
 *  1. the cache (inode → pid and fd), checked with one readlink;
 *  2. the fds at which processes that owned recent connections held them (a long-running app opening
 *     many connections: a closed socket's fd is the lowest free one, so the next socket usually reuses it);
 *  3. every fd of those processes;
 *  4. processes that appeared since the last listing of /proc (a short-lived client: curl, a test run);
 *  5. every other readable process, this one last (it holds all the proxy's own sockets).
 * Every socket seen on the way is remembered, so a process opening many connections at once is scanned
 * once. Unreadable processes (another user's, or gone) are skipped.
 *
 * The sweep of new processes runs in place when a connection is accepted, once for all the connections
 * accepted in one turn of the event loop, and lists /proc only when the kernel's last allocated pid
 * (`/proc/loadavg`) moved: procfs answers from memory, so a small read done in place costs microseconds
 * where an asynchronous one costs a trip through libuv's thread pool. Steps 1 and 2 read in place too;
 * the rest is asynchronous.
 */
import { closeSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { localSocketInodes } from './procNetLocal';

interface Owner {
  readonly pid: number;
  readonly fd: string;
  /** The sweep during which it was read: an owner read by the lookup's own sweep needs no re-check. */
  readonly generation: number;
}

/** A sweep: its generation, and when the processes it left to read asynchronously have been read. */
interface Sweep {
  readonly generation: number;
  readonly done: Promise<void>;
}

const MAX_CACHED_SOCKETS = 50_000;
const HOT_PROCESSES = 16;
const SCAN_CONCURRENCY = 16;
const MAX_CACHED_PROCESSES = 4_000;
/** New processes a sweep reads in place; the rest of a burst is read asynchronously. */
const SYNC_SCANS = 24;
/** How long a new process's descriptors are read again at every sweep (it may connect after it was first seen). */
const YOUNG_MS = 3_000;
const MAX_YOUNG = 64;
/** Fds remembered per recent owner as where its sockets were found (step 2). */
const RECENT_FDS = 4;
/** Recent owners whose remembered fds are read in place (at most RECENT_OWNERS × RECENT_FDS links per lookup). */
const RECENT_OWNERS = 4;

const DIGITS = /^\d+$/;
function socketInodeOf(link: string): number {
  return link.startsWith('socket:[') ? Number(link.slice(8, -1)) : 0;
}

export class SocketOwnerIndex {
  private readonly owners = new Map<number, Owner>();
  private readonly hot: number[] = [];
  /** pid → fd → socket inode (0 for anything else), as last read. */
  private readonly fdsOf = new Map<number, Map<string, number>>();
  private knownPids: Set<number>;
  /** The kernel's last allocated pid at the last listing of /proc (null: unknown, list every time). */
  private lastPid: string | null = null;
  /** /proc/loadavg, kept open: a read at offset 0 is one system call where opening it again costs four. */
  private loadavg: number | null | undefined;
  private readonly loadavgBuffer = Buffer.alloc(128);
  /** pid → the fds at which its recent sockets were found, newest first. */
  private readonly recentFds = new Map<number, string[]>();
  private generation = 0;
  /** The sweep of the current turn of the event loop, shared by the connections accepted in it. */
  private turnSweep: Sweep | undefined;
  /** The scan of each process's fds running, and when it started (see sharedScan). */
  private readonly scans = new Map<number, { readonly startedAt: number; readonly done: Promise<void> }>();
  private processScans = 0;
  /** How many young processes the sweep of this turn saw holding a new socket. */
  private sweptHolders = 0;
  /** Processes first seen in the last YOUNG_MS (pid → when), oldest first. */
  private readonly young = new Map<number, number>();

  /**
   * @param onNewProcesses called in place during a sweep with the pids that appeared since the last
   *   listing and those just seen holding a new socket: the caller reads their identity right away, while
   *   a short-lived client still exists (after its exec: it holds a socket).
   */
  constructor(
    private readonly onNewProcesses: (fresh: readonly number[], holders: readonly number[]) => void = () => undefined,
    private readonly root = '/proc',
    private readonly ownPid = process.pid,
  ) {
    this.lastPid = this.readLastPid();
    this.knownPids = new Set(this.listPids());
  }

  /**
   * Sweeps before the inode is known (call it as the connection is accepted): the client's socket is
   * open by then, so a client that exits a few milliseconds after connecting has been seen when the
   * caller's socket lookup answers.
   */
  async ownerOf(inodeLookup: Promise<number | null>): Promise<number | null> {
    // The client's socket exists now (its connection was accepted): a scan that starts later sees it.
    const since = performance.now();
    const sweep = this.sweep();
    const inode = await inodeLookup;
    if (inode === null) return null;
    const known = this.cachedOwner(inode, sweep.generation) ?? this.atRecentFd(inode);
    if (known !== null) return this.promote(known, inode);
    await sweep.done;
    const swept = this.cachedOwner(inode, sweep.generation);
    if (swept !== null) return this.promote(swept, inode);
    this.owners.delete(inode);
    const scanned = new Set<number>();
    const scan = async (pids: readonly number[]): Promise<number | null> => {
      const todo = pids.filter((pid) => !scanned.has(pid));
      for (const pid of todo) scanned.add(pid);
      for (let i = 0; i < todo.length; i += SCAN_CONCURRENCY) {
        await Promise.all(todo.slice(i, i + SCAN_CONCURRENCY).map((pid) => this.sharedScan(pid, inode, since)));
        const hit = this.owners.get(inode)?.pid;
        if (hit !== undefined) return this.promote(hit, inode);
      }
      return null;
    };
    const others = [...this.knownPids].filter((pid) => pid !== this.ownPid).sort((a, b) => b - a);
    return (await scan(this.hot.filter((pid) => pid !== this.ownPid))) ?? (await scan(others)) ?? (await scan([this.ownPid]));
  }

  /**
   * Reads every fd of a process once for the lookups of a burst. A scan sees every socket that existed
   * when it started: a lookup waits for the scan running (it may have seen the socket) and starts one only
   * when the socket is still unknown and no scan started since the socket was accepted; the lookups in that
   * case resume together and share it. Each lookup that came while a scan ran used to queue a scan of its
   * own (W5: 47 scans of the client's ~600 descriptors in one burst, one after the other).
   */
  private async sharedScan(pid: number, inode: number, since: number): Promise<void> {
    for (let running = this.scans.get(pid); running; running = this.scans.get(pid)) {
      await running.done;
      if (running.startedAt >= since || this.owners.has(inode)) return;
    }
    this.processScans++;
    const entry = { startedAt: performance.now(), done: this.scanProcess(pid, -1, 'all').then(() => undefined) };
    this.scans.set(pid, entry);
    void entry.done.then(() => {
      if (this.scans.get(pid) === entry) this.scans.delete(pid);
    });
    return entry.done;
  }

  /** The cached owner of an inode when it is current: read by this sweep or later, or its fd still links to it. */
  private cachedOwner(inode: number, generation: number): number | null {
    const cached = this.owners.get(inode);
    if (!cached) return null;
    if (cached.generation >= generation) return cached.pid;
    return this.readLinkSync(`${this.root}/${cached.pid}/fd/${cached.fd}`) === `socket:[${inode}]` ? cached.pid : null;
  }

  /** Step 2: the recent owner holding the inode at an fd where it held an earlier socket, read in place. */
  private atRecentFd(inode: number): number | null {
    const target = `socket:[${inode}]`;
    for (const pid of this.hot.slice(0, RECENT_OWNERS)) {
      const known = this.fdsOf.get(pid);
      for (const fd of this.recentFds.get(pid) ?? []) {
        const link = this.readLinkSync(`${this.root}/${pid}/fd/${fd}`);
        if (link === null) continue;
        if (known) this.remember(pid, known, fd, link, inode);
        if (link === target) {
          if (!known) this.owners.set(inode, { pid, fd, generation: this.generation });
          return pid;
        }
      }
    }
    return null;
  }

  /** The sweep of this turn of the event loop, run now if there is none yet. */
  private sweep(): Sweep {
    if (this.turnSweep) return this.turnSweep;
    const generation = ++this.generation;
    const sweep = { generation, done: this.runSweep() };
    this.turnSweep = sweep;
    setImmediate(() => {
      if (this.turnSweep === sweep) this.turnSweep = undefined;
    });
    return sweep;
  }

  /**
   * Reads in place the descriptors of the young processes (seen in the last YOUNG_MS, maybe not yet
   * connected when first seen: a client execs, then connects) and, when a process may have been created
   * since the last listing of /proc (the last allocated pid moved), of the new ones: SYNC_SCANS in place,
   * the rest asynchronously. The caller hears of the new processes and of those just seen holding a new
   * socket, in place, while they still exist.
   */
  private runSweep(): Promise<void> {
    const now = Date.now();
    /** pid → the new sockets it was seen holding. */
    const holding = new Map<number, number[]>();
    for (const [pid, seen] of this.young) {
      const found = now - seen > YOUNG_MS ? null : this.scanProcessSync(pid);
      if (found === null) this.young.delete(pid);
      else if (found.length > 0) holding.set(pid, found);
    }
    const lastPid = this.readLastPid();
    let fresh: number[] = [];
    let rest: number[] = [];
    if (lastPid === null || lastPid !== this.lastPid) {
      this.lastPid = lastPid;
      const listed = this.listPids();
      fresh = listed.filter((pid) => !this.knownPids.has(pid)).sort((a, b) => b - a);
      this.knownPids = new Set(listed);
      const candidates = fresh.filter((pid) => pid !== this.ownPid);
      for (const pid of candidates.slice(0, SYNC_SCANS)) {
        this.young.set(pid, now);
        const found = this.scanProcessSync(pid);
        if (found && found.length > 0) holding.set(pid, found);
      }
      for (const old of this.young.keys()) {
        if (this.young.size <= MAX_YOUNG) break;
        this.young.delete(old);
      }
      rest = candidates.slice(SYNC_SCANS);
    }
    const holders = this.possibleClients(holding);
    this.sweptHolders = holders.length;
    if (fresh.length > 0 || holders.length > 0) this.onNewProcesses(fresh, holders);
    if (rest.length === 0) return Promise.resolve();
    return (async () => {
      for (let i = 0; i < rest.length; i += SCAN_CONCURRENCY) {
        await Promise.all(rest.slice(i, i + SCAN_CONCURRENCY).map((pid) => this.scanProcess(pid, -1, 'new')));
      }
    })();
  }

  /**
   * The processes holding a new socket that may be a connection to the proxy: a socket that is a unix
   * or netlink one cannot be (every child Node spawns holds unix socketpairs as its stdio, and so does its
   * parent: on a machine where processes start all the time, most young processes "hold a new socket").
   * The kernel's tables of those sockets are small and read only when some young process holds one.
   */
  private possibleClients(holding: ReadonlyMap<number, readonly number[]>): number[] {
    if (holding.size === 0) return [];
    const local = localSocketInodes(this.root);
    return [...holding].filter(([, sockets]) => sockets.some((inode) => !local.has(inode))).map(([pid]) => pid);
  }

  /**
   * Whether the last sweep saw a young process holding a new socket: only then may a connection accepted
   * in this turn come from a client that exits within milliseconds (older processes live on).
   */
  get youngClientsConnecting(): boolean {
    return this.sweptHolders > 0;
  }

  /** Scans of every fd of a process that lookups started (for tests and the benchmark). */
  get scansStarted(): number {
    return this.processScans;
  }

  /** Sockets remembered (for tests and the benchmark). */
  get size(): number {
    return this.owners.size;
  }

  /** Forgets everything and closes /proc/loadavg (the next sweep opens it again). */
  clear(): void {
    this.forgetAll();
    this.hot.length = 0;
    this.recentFds.clear();
    this.young.clear();
    this.scans.clear();
    if (typeof this.loadavg === 'number') closeSync(this.loadavg);
    this.loadavg = undefined;
  }

  /** Makes the owner of a connection the most recent one, remembering the fd at which it held the socket. */
  private promote(pid: number, inode: number): number {
    const at = this.hot.indexOf(pid);
    if (at >= 0) this.hot.splice(at, 1);
    this.hot.unshift(pid);
    if (this.hot.length > HOT_PROCESSES) {
      const dropped = this.hot.pop();
      if (dropped !== undefined) this.recentFds.delete(dropped);
    }
    const fd = this.owners.get(inode)?.fd;
    if (fd !== undefined) {
      const fds = (this.recentFds.get(pid) ?? []).filter((known) => known !== fd);
      fds.unshift(fd);
      this.recentFds.set(pid, fds.slice(0, RECENT_FDS));
    }
    return pid;
  }

  /** The last pid the kernel allocated (the last field of /proc/loadavg), or null when it cannot be read. */
  private readLastPid(): string | null {
    try {
      this.loadavg ??= openSync(`${this.root}/loadavg`, 'r');
    } catch {
      this.loadavg = null;
    }
    if (this.loadavg === null) return null;
    try {
      const length = readSync(this.loadavg, this.loadavgBuffer, 0, this.loadavgBuffer.length, 0);
      return /\s(\d+)\s*$/.exec(this.loadavgBuffer.toString('latin1', 0, length))?.[1] ?? null;
    } catch {
      return null;
    }
  }

  private listPids(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names.filter((name) => DIGITS.test(name)).map(Number);
  }

  private readLinkSync(path: string): string | null {
    try {
      return readlinkSync(path);
    } catch {
      return null;
    }
  }

  /** The fd table of a process as last read, for the fds listed now (forgetting everything when the cache is full). */
  private fdTable(pid: number): Map<string, number> {
    const known = this.fdsOf.get(pid) ?? new Map<string, number>();
    this.fdsOf.set(pid, known);
    if (this.owners.size > MAX_CACHED_SOCKETS || this.fdsOf.size > MAX_CACHED_PROCESSES) this.forgetAll();
    return known;
  }

  /** Remembers one fd's link; true when it is the socket sought. */
  private remember(pid: number, known: Map<string, number>, fd: string, link: string, inode: number): boolean {
    const socketInode = socketInodeOf(link);
    known.set(fd, socketInode);
    if (socketInode === 0) return false;
    this.owners.set(socketInode, { pid, fd, generation: this.generation });
    return socketInode === inode;
  }

  /** Reads, in place, the links of a process's fds not seen before and of those that held sockets: the new sockets it holds, null when the process is gone. */
  private scanProcessSync(pid: number): number[] | null {
    let fds: string[];
    try {
      fds = readdirSync(`${this.root}/${pid}/fd`);
    } catch {
      return null;
    }
    const known = this.fdTable(pid);
    const sockets: number[] = [];
    for (const fd of fds) {
      // An fd that held a socket is read again: a closed socket's number is reused by the next one.
      const before = known.get(fd);
      if (before === 0) continue;
      const link = this.readLinkSync(`${this.root}/${pid}/fd/${fd}`);
      if (link === null) continue;
      this.remember(pid, known, fd, link, -1);
      const inode = socketInodeOf(link);
      if (inode !== 0 && inode !== before) sockets.push(inode);
    }
    return sockets;
  }

  /**
   * Reads the fd links of one process, remembering its sockets; the pid when it holds the inode. Fds not
   * seen before are read first: a long-running app with hundreds of open connections is then found
   * without reading every link again (a reused fd number is caught by the second pass).
   */
  private async scanProcess(pid: number, inode: number, which: 'new' | 'all'): Promise<number | null> {
    const fds = await readdir(`${this.root}/${pid}/fd`).catch(() => null);
    if (!fds) return null;
    const known = this.fdTable(pid);
    const fresh = fds.filter((fd) => !known.has(fd));
    const seen = fds.filter((fd) => known.has(fd));
    for (const batch of which === 'new' ? [fresh] : [fresh, seen]) {
      if (batch.length === 0) continue;
      const links = await Promise.all(
        batch.map((fd) =>
          readlink(`${this.root}/${pid}/fd/${fd}`).then(
            (link) => [fd, link] as const,
            () => null,
          ),
        ),
      );
      let found = false;
      for (const entry of links) {
        if (entry && this.remember(pid, known, entry[0], entry[1], inode)) found = true;
      }
      if (found) return pid;
    }
    return null;
  }

  private forgetAll(): void {
    this.owners.clear();
    this.fdsOf.clear();
  }
}
