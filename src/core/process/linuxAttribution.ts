/**
 * Process attribution on Linux: the kernel's exact socket lookup over netlink (or, without python3 or
 * netlink, the `/proc/net/tcp{,6}` tables) gives the client socket's inode, the socket owner
 * index finds the process holding it, and `/proc/PID/{stat,exe,cmdline,environ}` describe it and its
 * parents. A process that appeared since the last lookup is described as soon as it is seen (a client
 * that fails fast exits a few milliseconds after connecting); the parents, long-lived, are cached by
 * process key.
 */
import { describeAncestry, type ChainLink } from './appRecognition';
import { redactArguments, redactCommand } from './commandRedaction';
import { LocalAddresses } from './localAddresses';
import { ClientSocketLookup, type SocketSource } from './clientSockets';
import type { NetlinkOptions } from './netlinkSockets';
import {
  readCmdline,
  readEnviron,
  readExecutable,
  readExecutableSync,
  readProcessSync,
  readStat,
  readStatSync,
  ProcStatFiles,
  type ProcStat,
} from './procProcess';
import { processKey } from '../record/client';
import {
  DEFAULT_ATTRIBUTION_DEADLINE_MS,
  remoteClient,
  unknownProcess,
  withDeadline,
  type AcceptedEndpoints,
  type Attribution,
  type ProcessAttributor,
  type ProcessIdentity,
} from './processIdentity';
import { SocketOwnerIndex } from './socketOwners';
import { ATTRIBUTION_ENVIRONMENT, type TrustEnvironment } from './trustEnvironment';
import { basename } from 'node:path';

interface Snapshot {
  readonly stat: ProcStat;
  readonly link: ChainLink;
  readonly environment: TrustEnvironment;
  /**
   * Read once the process was seen holding a socket: after its exec (a child between fork and exec still
   * shows its parent's command and environment), so it may stand for the process once it is gone.
   */
  readonly holdingSocket: boolean;
}

export interface LinuxAttributionOptions {
  readonly deadlineMs?: number;
  /** Where procfs is mounted (tests point it at a directory that is not procfs). */
  readonly root?: string;
  readonly tables?: readonly string[];
  /** Where the client socket's inode comes from (default `auto`: netlink, else the tables). */
  readonly socketSource?: SocketSource;
  readonly netlink?: NetlinkOptions;
}

const MAX_PARENTS = 12;
const MAX_SNAPSHOTS = 2_000;
const SNAPSHOT_TTL_MS = 60_000;
/**
 * How long the whole identity of a process that owned a connection is reused for its next ones (checked
 * by its start time): a long-running app opening many connections is then described by one stat read per
 * connection instead of reading its files and every parent's again.
 */
const IDENTITY_TTL_MS = 2_000;
const MAX_IDENTITIES = 256;
/** Processes seen holding a new socket in one sweep whose identity is read in place (the rest asynchronously). */
const MAX_SYNC_SNAPSHOTS = 32;
const MAX_FRESH_SNAPSHOTS = 64;

export class LinuxProcessAttributor implements ProcessAttributor {
  private readonly owners: SocketOwnerIndex;
  private readonly local = new LocalAddresses();
  /** pid → snapshot taken when the process was first seen or described (verified by start time). */
  private readonly snapshots = new Map<number, { at: number; snapshot: Promise<Snapshot | null> }>();
  private readonly deadlineMs: number;
  private readonly root: string;
  private readonly sockets: ClientSocketLookup;
  /** pid → the last attribution of a connection it owned, while fresh (verified by start time). */
  private readonly identities = new Map<number, { at: number; attribution: Extract<Attribution, { kind: 'local' }> }>();
  /** pid → its description being read (shared by the lookups of a burst from one process). */
  private readonly describing = new Map<number, Promise<Attribution>>();
  /** pid → the program it was found still running in this turn of the event loop (see stillRuns). */
  private readonly runningThisTurn = new Map<number, { readonly startTime: string; readonly path: string | null }>();
  /** The stat files of the processes checked by stillRuns, kept open. */
  private readonly stats: ProcStatFiles;

  constructor(options: LinuxAttributionOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? DEFAULT_ATTRIBUTION_DEADLINE_MS;
    this.root = options.root ?? '/proc';
    this.stats = new ProcStatFiles(this.root);
    this.sockets = new ClientSocketLookup({
      source: options.socketSource ?? 'auto',
      ...(options.tables ? { tables: options.tables } : {}),
      ...(options.netlink ? { netlink: options.netlink } : {}),
    });
    this.owners = new SocketOwnerIndex((fresh, holders) => {
      // Read in place while they exist: a client that rejects the certificate exits right after.
      for (const pid of holders.slice(0, MAX_SYNC_SNAPSHOTS)) this.holderSnapshot(pid);
      for (const pid of fresh.slice(0, MAX_FRESH_SNAPSHOTS)) if (!holders.includes(pid)) void this.snapshotOf(pid);
    }, this.root);
  }

  attribute(endpoints: AcceptedEndpoints, located: () => void = () => undefined): Promise<Attribution> {
    if (!this.local.isLocal(endpoints.remoteAddress)) {
      located();
      return Promise.resolve(remoteClient(endpoints.remoteAddress));
    }
    return withDeadline(this.lookup(endpoints, located), this.deadlineMs).finally(located);
  }

  get method(): string {
    return `Linux: socket by ${this.sockets.method}; owner from /proc/PID/fd`;
  }

  /** The netlink helper's pid while it runs (for the benchmark's CPU accounting). */
  get helperPid(): number | null {
    return this.sockets.helperPid;
  }

  dispose(): void {
    this.sockets.dispose();
    this.stats.close();
    this.owners.clear();
    this.snapshots.clear();
    this.identities.clear();
    this.describing.clear();
    this.runningThisTurn.clear();
  }

  private async lookup(endpoints: AcceptedEndpoints, located: () => void): Promise<Attribution> {
    // The socket lookup and the sweep of new processes run side by side (the table read, the fallback, is
    // slow on big machines: the kernel walks its whole connection hash).
    const socketLookup = this.sockets.lookup(endpoints);
    const owner = this.owners.ownerOf(socketLookup.then((found) => (found.kind === 'found' ? found.entry.inode : null)));
    // The sweep has run (in place): with no young process holding a new socket, the client is a process
    // that lives on (a running app, a browser), whose socket is found as well later: nothing need wait.
    if (!this.owners.youngClientsConnecting) located();
    const pid = await owner;
    const found = await socketLookup;
    // The owner is found: a new one was described in place when it was seen holding the socket.
    located();
    if (found.kind === 'failed') return unknownProcess(`the client's socket could not be looked up: ${found.reason}`);
    if (found.kind === 'absent') return unknownProcess('the connection had already closed, or it is in another network namespace');
    const socket = found.entry;
    if (pid === null)
      return unknownProcess(
        socket.uid === process.getuid?.()
          ? 'the process exited before it could be read'
          : `the process belongs to another user (uid ${socket.uid}) and cannot be read`,
      );
    const recent = this.identities.get(pid);
    if (recent && Date.now() - recent.at < IDENTITY_TTL_MS && this.stillRuns(pid, recent.attribution)) return recent.attribution;
    // A burst of connections from one process: the first lookup describes it, the others wait for that.
    const described = this.describing.get(pid);
    if (described) {
      const attribution = await described;
      if (attribution.kind === 'local' && this.stillRuns(pid, attribution)) return attribution;
    }
    const describing = this.describe(pid);
    this.describing.set(pid, describing);
    try {
      return await describing;
    } finally {
      if (this.describing.get(pid) === describing) this.describing.delete(pid);
    }
  }

  /**
   * The same process (start time) still running the same program (an exec keeps the pid and start time).
   * Read once per turn of the event loop: the answers to a batch of lookups arrive together, and a burst
   * of connections from one process is then one check, not one per connection.
   */
  private stillRuns(pid: number, attribution: Extract<Attribution, { kind: 'local' }>): boolean {
    const { startTime, path } = attribution.process;
    const seen = this.runningThisTurn.get(pid);
    if (seen && seen.startTime === startTime && seen.path === path) return true;
    const stat = this.stats.read(pid);
    const runs = stat !== null && stat.startTime === startTime && readExecutableSync(pid, this.root) === path;
    if (runs) {
      if (this.runningThisTurn.size === 0) setImmediate(() => this.runningThisTurn.clear());
      this.runningThisTurn.set(pid, { startTime, path });
    }
    return runs;
  }

  private async describe(pid: number): Promise<Attribution> {
    const self = await this.ownerSnapshot(pid);
    if (!self) return unknownProcess('the process exited before it could be read');
    const chain = await this.parentsOf(self);
    const ancestry = describeAncestry([self.link, ...chain.map((s) => s.link)]);
    const identity: ProcessIdentity = {
      pid,
      startTime: self.stat.startTime,
      key: processKey(pid, self.stat.startTime, self.link.path),
      path: self.link.path,
      name: self.link.name,
      command: redactCommand(self.link.argv.length > 0 ? self.link.argv : [self.link.name]),
      arguments: self.link.argv,
      parents: ancestry.parents,
      app: ancestry.app,
      label: ancestry.label,
    };
    const attribution = { kind: 'local' as const, process: identity, environment: self.environment };
    this.identities.delete(pid);
    this.identities.set(pid, { at: Date.now(), attribution });
    for (const old of this.identities.keys()) {
      if (this.identities.size <= MAX_IDENTITIES) break;
      this.identities.delete(old);
    }
    return attribution;
  }

  private async parentsOf(self: Snapshot): Promise<Snapshot[]> {
    const chain: Snapshot[] = [];
    let ppid = self.stat.ppid;
    while (ppid > 0 && chain.length < MAX_PARENTS) {
      const parent = await this.snapshotOf(ppid);
      if (!parent) break;
      chain.push(parent);
      ppid = parent.stat.ppid;
    }
    return chain;
  }

  /**
   * The owner read now while it lives; once it is gone, the snapshot read when it was seen holding a
   * socket (after its exec), never one that may predate its exec. A zombie's stat still names the program
   * it ran: an earlier snapshot of another name is not it.
   */
  private async ownerSnapshot(pid: number): Promise<Snapshot | null> {
    const early = this.snapshots.get(pid);
    const now = await this.readSnapshot(pid, true);
    // An exiting process still has its stat and exe for a moment, but its memory is gone: its command line
    // and environment read empty. Only a read with a command line is of the living process.
    const alive = now !== null && now.stat.state !== 'Z' && now.link.path !== null && now.link.argv.length > 0;
    if (alive) {
      this.snapshots.set(pid, { at: Date.now(), snapshot: Promise.resolve(now) });
      return now;
    }
    const earlier = early ? await early.snapshot : null;
    const same = earlier !== null && (!now || (earlier.stat.startTime === now.stat.startTime && earlier.stat.comm === now.stat.comm));
    if (same && (earlier.holdingSocket || now !== null)) return earlier;
    return now;
  }

  /** Reads, in place, a process just seen holding a new socket (it may be gone a few milliseconds later). */
  private holderSnapshot(pid: number): void {
    const stat = readStatSync(pid, this.root);
    if (!stat) return;
    const { path, argv, environment } = readProcessSync(pid, ATTRIBUTION_ENVIRONMENT, this.root);
    // Exiting already (its memory gone): an earlier snapshot, if any, is the better one.
    if (!argv || argv.length === 0) return;
    this.remember(pid, Date.now(), Promise.resolve(this.snapshot(stat, path, argv, environment, true)));
  }

  /** The process's snapshot, read now or taken earlier by the same process (same start time). */
  private snapshotOf(pid: number): Promise<Snapshot | null> {
    const now = Date.now();
    const known = this.snapshots.get(pid);
    if (known && now - known.at < SNAPSHOT_TTL_MS) {
      return known.snapshot.then(async (snapshot) => {
        if (!snapshot) return this.freshSnapshot(pid, now);
        const stat = await readStat(pid, this.root);
        // Gone (or a zombie): the snapshot taken while it lived is the best there is.
        if (!stat || stat.startTime === snapshot.stat.startTime) return snapshot;
        return this.freshSnapshot(pid, now);
      });
    }
    return this.freshSnapshot(pid, now);
  }

  private freshSnapshot(pid: number, now: number): Promise<Snapshot | null> {
    const snapshot = this.readSnapshot(pid, false);
    this.remember(pid, now, snapshot);
    return snapshot;
  }

  private remember(pid: number, now: number, snapshot: Promise<Snapshot | null>): void {
    if (this.snapshots.size >= MAX_SNAPSHOTS) {
      for (const [known, entry] of this.snapshots) if (now - entry.at >= SNAPSHOT_TTL_MS) this.snapshots.delete(known);
      if (this.snapshots.size >= MAX_SNAPSHOTS) this.snapshots.clear();
    }
    this.snapshots.set(pid, { at: now, snapshot });
  }

  private async readSnapshot(pid: number, holdingSocket: boolean): Promise<Snapshot | null> {
    const [stat, path, argv, environment] = await Promise.all([
      readStat(pid, this.root),
      readExecutable(pid, this.root),
      readCmdline(pid, this.root),
      readEnviron(pid, ATTRIBUTION_ENVIRONMENT, this.root),
    ]);
    return stat ? this.snapshot(stat, path, argv, environment, holdingSocket) : null;
  }

  private snapshot(
    stat: ProcStat,
    path: string | null,
    argv: string[] | null,
    environment: TrustEnvironment,
    holdingSocket: boolean,
  ): Snapshot {
    const name = path ? basename(path.replace(/ \(deleted\)$/, '')) : stat.comm;
    return { stat, link: { pid: stat.pid, name, path, argv: redactArguments(argv ?? []) }, environment, holdingSocket };
  }
}
