/**
 * The client's socket of an accepted connection (its inode and owner's uid), from the best source this
 * machine has: the kernel's exact lookup over netlink when python3 and NETLINK_SOCK_DIAG work, otherwise
 * the /proc/net/tcp{,6} tables (coalesced reads). A netlink lookup that fails (helper dead or slow) falls
 * back to the tables for that connection; `method` says which source is in use and why.
 */
import { NetlinkSocketLookup, type NetlinkOptions } from './netlinkSockets';
import { TcpTables, type SocketEntry } from './procNetTcp';
import type { AcceptedEndpoints } from './processIdentity';

/** `auto`: netlink, falling back to the tables; `netlink`/`tables`: only that one (tests and the benchmark). */
export type SocketSource = 'auto' | 'netlink' | 'tables';

export interface ClientSocketOptions {
  readonly source?: SocketSource;
  readonly tables?: readonly string[];
  readonly netlink?: NetlinkOptions;
}

/** The client's socket, or that it is not there (closed), or that it could not be looked up and why. */
export type ClientSocket =
  | { readonly kind: 'found'; readonly entry: SocketEntry }
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly reason: string };

/** The first answer that found the socket; when none did, "absent" if one source said so, else the first failure. */
function firstFound(lookups: readonly Promise<ClientSocket>[]): Promise<ClientSocket> {
  return new Promise((resolve) => {
    let left = lookups.length;
    let best: ClientSocket | undefined;
    for (const lookup of lookups) {
      void lookup
        .catch((error: unknown): ClientSocket => ({ kind: 'failed', reason: String(error) }))
        .then((answer) => {
          if (answer.kind === 'found') return resolve(answer);
          if (!best || (best.kind === 'failed' && answer.kind === 'absent')) best = answer;
          if (--left === 0) resolve(best);
        });
    }
  });
}

export class ClientSocketLookup {
  private readonly tables: TcpTables;
  private readonly netlink: NetlinkSocketLookup | undefined;
  private readonly source: SocketSource;

  constructor(options: ClientSocketOptions = {}) {
    this.source = options.source ?? 'auto';
    this.tables = new TcpTables(options.tables);
    this.netlink = this.source === 'tables' ? undefined : new NetlinkSocketLookup(options.netlink);
  }

  async lookup(endpoints: AcceptedEndpoints): Promise<ClientSocket> {
    if (this.netlink && this.source === 'auto' && this.netlink.state.kind === 'starting') {
      // A proxy's first connections (`pinscope run`'s client, maybe gone in a few hundred ms) come while
      // the helper starts: the tables are read now, slowly on a busy machine, and the helper is asked as
      // soon as it is ready; the first to find the socket answers.
      return firstFound([this.netlink.lookup(endpoints, 'wait'), this.fromTables(endpoints)]);
    }
    if (this.netlink) {
      const answer = await this.netlink.lookup(endpoints);
      if (answer.kind !== 'failed' || this.source === 'netlink') return answer;
    }
    return this.fromTables(endpoints);
  }

  private async fromTables(endpoints: AcceptedEndpoints): Promise<ClientSocket> {
    const entry = await this.tables.lookup(endpoints);
    return entry ? { kind: 'found', entry } : { kind: 'absent' };
  }

  /** For people: which source answers lookups now, e.g. "netlink sock_diag (python3 helper, pid 4242)". */
  get method(): string {
    if (!this.netlink) return '/proc/net/tcp tables';
    const state = this.netlink.state;
    switch (state.kind) {
      case 'ready':
        return `netlink sock_diag (python3 helper, pid ${state.pid})`;
      case 'starting':
        return 'netlink sock_diag (python3 helper starting; /proc/net/tcp tables meanwhile)';
      case 'unavailable':
        return `/proc/net/tcp tables (${state.reason})`;
    }
  }

  /** The helper's pid while it runs (the benchmark adds its CPU time). */
  get helperPid(): number | null {
    const state = this.netlink?.state;
    return state?.kind === 'ready' ? state.pid : null;
  }

  dispose(): void {
    this.netlink?.dispose();
  }
}
