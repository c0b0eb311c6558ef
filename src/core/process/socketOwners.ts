/**
 * Which process holds a socket inode, on Linux: `/proc/PID/fd/N` links to `socket:[INODE]`. Scanning
 * every process for every connection would cost milliseconds, so the index looks where the owner
 * most likely is, in this order, and stops at the first hit:
 *  1. the cache (inode → pid and fd), checked with one readlink;
 *  2. processes that owned recent connections (a long-running app opening many connections);
 *  3. processes that appeared since the last listing of /proc (a short-lived client: curl, a test run);
 *  4. every other readable process, this one last (it holds all the proxy's own sockets).
 * Every socket seen on the way is remembered, so a process opening many connections at once is scanned
 * once. All IO is asynchronous; unreadable processes (another user's, or gone) are skipped.
 */
import { readdir, readlink } from 'node:fs/promises';

interface Owner {
  readonly pid: number;
  readonly fd: string;
  /** The sweep during which it was read: an owner read by the lookup's own sweep needs no re-check. */
  readonly generation: number;
}

const MAX_CACHED_SOCKETS = 50_000;
const HOT_PROCESSES = 16;
const SCAN_CONCURRENCY = 16;
const MAX_CACHED_PROCESSES = 4_000;

export class SocketOwnerIndex {
  private readonly owners = new Map<number, Owner>();
  private readonly hot: number[] = [];
  /** pid → fd → socket inode (0 for anything else), as last read. */
  private readonly fdsOf = new Map<number, Map<string, number>>();
  private knownPids = new Set<number>();
  private primed: Promise<void>;
  private generation = 0;
  private runningSweep: Promise<number> | undefined;
  private queuedSweep: Promise<number> | undefined;

  /**
   * @param onNewProcesses called with the pids that appeared since the last listing, as soon as they are
   *   seen: the caller reads their identity right away, before a short-lived client exits.
   */
  constructor(
    private readonly onNewProcesses: (pids: readonly number[]) => void = () => undefined,
    private readonly root = '/proc',
    private readonly ownPid = process.pid,
  ) {
    this.primed = this.listPids().then((pids) => { this.knownPids = new Set(pids); }, () => undefined);
  }

  /**
   * Starts looking before the inode is known: the sweep (new processes, and new descriptors of recent
   * owners) runs while the caller reads the TCP table, so a client that exits a few milliseconds after
   * connecting has been seen by then. Concurrent lookups share one sweep that started after they began.
   */
  async ownerOf(inodeLookup: Promise<number | null>): Promise<number | null> {
    const sweep = this.sweep();
    const inode = await inodeLookup;
    const generation = await sweep;
    if (inode === null) return null;
    const cached = this.owners.get(inode);
    if (cached && (cached.generation >= generation || (await readlink(`${this.root}/${cached.pid}/fd/${cached.fd}`).catch(() => null)) === `socket:[${inode}]`)) return this.promote(cached.pid);
    this.owners.delete(inode);
    const scanned = new Set<number>();
    const scan = async (pids: readonly number[]): Promise<number | null> => {
      const todo = pids.filter((pid) => !scanned.has(pid));
      for (const pid of todo) scanned.add(pid);
      for (let i = 0; i < todo.length; i += SCAN_CONCURRENCY) {
        const found = await Promise.all(todo.slice(i, i + SCAN_CONCURRENCY).map((pid) => this.scanProcess(pid, inode, 'all')));
        const hit = found.find((pid): pid is number => pid !== null);
        if (hit !== undefined) return this.promote(hit);
      }
      return null;
    };
    const others = [...this.knownPids].filter((pid) => pid !== this.ownPid).sort((a, b) => b - a);
    return (await scan(this.hot.filter((pid) => pid !== this.ownPid))) ?? (await scan(others)) ?? (await scan([this.ownPid]));
  }

  /** One sweep at a time; a lookup joins the queued sweep, which starts after the running one. Resolves with its generation. */
  private sweep(): Promise<number> {
    if (this.queuedSweep) return this.queuedSweep;
    const start = (): Promise<number> => {
      this.queuedSweep = undefined;
      const generation = ++this.generation;
      const running = this.runSweep().then(() => generation, () => generation);
      this.runningSweep = running;
      void running.then(() => { if (this.runningSweep === running) this.runningSweep = undefined; });
      return running;
    };
    if (!this.runningSweep) return start();
    const queued = this.runningSweep.then(start);
    this.queuedSweep = queued;
    return queued;
  }

  private async runSweep(): Promise<void> {
    await this.primed;
    const listed = await this.listPids();
    const fresh = listed.filter((pid) => !this.knownPids.has(pid)).sort((a, b) => b - a);
    this.knownPids = new Set(listed);
    if (fresh.length > 0) this.onNewProcesses(fresh);
    const candidates = [...new Set([...fresh, ...this.hot])].filter((pid) => pid !== this.ownPid);
    for (let i = 0; i < candidates.length; i += SCAN_CONCURRENCY) {
      await Promise.all(candidates.slice(i, i + SCAN_CONCURRENCY).map((pid) => this.scanProcess(pid, -1, 'new')));
    }
  }

  /** Sockets remembered (for tests and the benchmark). */
  get size(): number {
    return this.owners.size;
  }

  clear(): void {
    this.forgetAll();
    this.hot.length = 0;
  }

  private promote(pid: number): number {
    const at = this.hot.indexOf(pid);
    if (at >= 0) this.hot.splice(at, 1);
    this.hot.unshift(pid);
    if (this.hot.length > HOT_PROCESSES) this.hot.pop();
    return pid;
  }

  private async listPids(): Promise<number[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.filter((name) => /^\d+$/.test(name)).map(Number);
  }

  /**
   * Reads the fd links of one process, remembering its sockets; the pid when it holds the inode. Fds not
   * seen before are read first: a long-running app with hundreds of open connections is then found
   * without reading every link again (a reused fd number is caught by the second pass).
   */
  private async scanProcess(pid: number, inode: number, which: 'new' | 'all'): Promise<number | null> {
    const fds = await readdir(`${this.root}/${pid}/fd`).catch(() => null);
    if (!fds) return null;
    const known = this.fdsOf.get(pid) ?? new Map<string, number>();
    this.fdsOf.set(pid, known);
    if (this.owners.size > MAX_CACHED_SOCKETS || this.fdsOf.size > MAX_CACHED_PROCESSES) this.forgetAll();
    const fresh = fds.filter((fd) => !known.has(fd));
    const seen = fds.filter((fd) => known.has(fd));
    for (const batch of which === 'new' ? [fresh] : [fresh, seen]) {
      if (batch.length === 0) continue;
      const links = await Promise.all(batch.map((fd) => readlink(`${this.root}/${pid}/fd/${fd}`).then((link) => [fd, link] as const, () => null)));
      let found = false;
      for (const entry of links) {
        if (!entry) continue;
        const socketInode = entry[1].startsWith('socket:[') ? Number(entry[1].slice(8, -1)) : 0;
        known.set(entry[0], socketInode);
        if (socketInode === 0) continue;
        this.owners.set(socketInode, { pid, fd: entry[0], generation: this.generation });
        if (socketInode === inode) found = true;
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
