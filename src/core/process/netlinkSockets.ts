/**
 * Finds the client's socket of an accepted connection by asking the kernel for exactly that socket
 * (NETLINK_SOCK_DIAG, one hash lookup) instead of reading the whole /proc/net/tcp table. Node cannot open
 * netlink sockets, so one small python3 process (sockDiagScript.ts) does it, started once and kept:
 * requests are lines on its stdin, answers lines on its stdout, keyed by id.
 *
 * The lookup is from the client's side: its socket's own end is the client's address and port (the proxy
 * socket's remote end), its peer is the proxy's.
 *
 * Everything is bounded: an answer that does not come within the timeout, a helper that died, exited too
 * often or could not open a netlink socket all give `failed`, and the caller falls back to /proc. A dead
 * helper is restarted by the next lookup, at most MAX_STARTS times a minute (then again a minute later); one
 * that stops answering is killed after a few timeouts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { isIPv4, isIPv6, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { endpointText, type SocketEntry } from './procNetTcp';
import type { AcceptedEndpoints } from './processIdentity';
import { SOCK_DIAG_SCRIPT } from './sockDiagScript';

export type NetlinkAnswer =
  | { readonly kind: 'found'; readonly entry: SocketEntry }
  /** The kernel has no open socket with this 4-tuple (closed, or the connection has already gone). */
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly reason: string };

export interface NetlinkOptions {
  /** The python3 to run (default: `python3` on PATH). */
  readonly python?: string;
  /**
   * How long one answer may take before the caller falls back (default: adaptive, ten times the recent
   * answer time, between MIN_TIMEOUT_MS and MAX_TIMEOUT_MS: a helper slowed by a busy machine is waited for).
   */
  readonly timeoutMs?: number;
  /** How long the helper may take to start. */
  readonly startTimeoutMs?: number;
}

export type NetlinkState =
  | { readonly kind: 'starting' }
  | { readonly kind: 'ready'; readonly pid: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

interface Waiting {
  readonly resolve: (answer: NetlinkAnswer) => void;
  readonly endpoints: AcceptedEndpoints;
  readonly timer: NodeJS.Timeout;
  readonly askedAt: number;
}

const TCP_LISTEN = 10;
const ENOENT = 2;
const MAX_STARTS = 5;
const START_WINDOW_MS = 60_000;
const MAX_WAITING = 10_000;
const MAX_LINE_CHARS = 200;
/** Errors other than "no such socket" in a row before netlink is given up (a kernel without inet_diag). */
const MAX_CONSECUTIVE_ERRORS = 3;
const MAX_CONSECUTIVE_TIMEOUTS = 3;
/** The least time between two writes to the helper during a burst (its lookups wait for the next write together). */
const BATCH_SPACING_MS = 10;
const MIN_TIMEOUT_MS = 1_000;
const MAX_TIMEOUT_MS = 5_000;

/** Node's address → the request's family and address text; null for what the helper cannot ask about. */
function requestAddress(address: string): { family: 4 | 6; text: string } | null {
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7))) return { family: 4, text: address.slice(7) };
  if (isIPv4(address)) return { family: 4, text: address };
  // A zone id (fe80::1%eth0) would need the interface index: leave those to /proc.
  if (isIPv6(address) && !address.includes('%')) return { family: 6, text: address };
  return null;
}

/** The request line for the client's socket: its own end is the client, its peer the proxy. */
export function requestLine(id: number, endpoints: AcceptedEndpoints): string | null {
  const client = requestAddress(endpoints.remoteAddress);
  const proxy = requestAddress(endpoints.localAddress);
  if (!client || !proxy) return null;
  // A v4-mapped client of a dual-stack listener: ask in IPv4 (the kernel finds v4 and dual-stack sockets).
  const family = client.family === 4 && proxy.family === 4 ? 4 : 6;
  const text = (side: { family: 4 | 6; text: string }): string => (family === 6 && side.family === 4 ? `::ffff:${side.text}` : side.text);
  return `${id} ${family} ${text(client)} ${endpoints.remotePort} ${text(proxy)} ${endpoints.localPort}`;
}

/** One answer line → its id and answer; null for a line that is not an answer. */
export function parseAnswer(
  line: string,
  endpointsOf: (id: number) => AcceptedEndpoints | undefined,
): { id: number; answer: NetlinkAnswer } | null {
  const fields = line.split(' ');
  const id = Number(fields[0]);
  const endpoints = endpointsOf(id);
  if (!Number.isInteger(id) || !endpoints) return null;
  const [, kind] = fields;
  if (kind === 'found' && fields.length === 7) {
    const [inode, uid, state, sport, dport] = fields.slice(2).map(Number) as [number, number, number, number, number];
    // inode 0: closed by its process (orphaned, or TIME_WAIT); a listener answers a lookup that found no connection.
    if (inode === 0 || state === TCP_LISTEN || sport !== endpoints.remotePort || dport !== endpoints.localPort)
      return { id, answer: { kind: 'absent' } };
    const entry: SocketEntry = {
      local: endpointText(endpoints.remoteAddress, endpoints.remotePort),
      remote: endpointText(endpoints.localAddress, endpoints.localPort),
      state,
      uid,
      inode,
    };
    return { id, answer: { kind: 'found', entry } };
  }
  if (kind === 'none' && fields.length === 3) {
    const errno = Number(fields[2]);
    return { id, answer: errno === ENOENT ? { kind: 'absent' } : { kind: 'failed', reason: `netlink error ${errno}` } };
  }
  if (kind === 'bad' || kind === 'lost') return { id, answer: { kind: 'failed', reason: `the helper answered "${kind}"` } };
  return null;
}

export class NetlinkSocketLookup {
  private child: ChildProcessWithoutNullStreams | undefined;
  private current: NetlinkState = { kind: 'starting' };
  private readonly waiting = new Map<number, Waiting>();
  private outbox: { readonly id: number; readonly line: string }[] = [];
  /** The ids of the batch written and not all answered yet: the next batch waits for it. */
  private readonly inFlight = new Set<number>();
  private flushQueued = false;
  private lastWriteAt = -Infinity;
  /** Whether lookups are coming in a burst: the last batch had more than one, or others waited behind it. */
  private crowded = false;
  private nextId = 1;
  private starts: number[] = [];
  private consecutiveErrors = 0;
  private consecutiveTimeouts = 0;
  /** After too many restarts: when to try again (a loaded machine passes); undefined when it never will. */
  private retryAt: number | undefined;
  private disposed = false;
  private readonly python: string;
  private readonly fixedTimeoutMs: number | undefined;
  private readonly startTimeoutMs: number;
  /** Smoothed time from asking to the answer, in ms (the adaptive timeout follows it). */
  private answerMs = 1;

  constructor(options: NetlinkOptions = {}) {
    this.python = options.python ?? 'python3';
    this.fixedTimeoutMs = options.timeoutMs;
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.start();
  }

  get state(): NetlinkState {
    return this.current;
  }

  /** How long an answer is waited for now. */
  get timeoutMs(): number {
    return this.fixedTimeoutMs ?? Math.round(Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, this.answerMs * 10)));
  }

  /**
   * @param whileStarting what a lookup asked while the helper starts does: `fail` at once (the caller uses
   *   /proc instead), or `wait` for the helper to be ready (bounded by the start and answer timeouts;
   *   the caller asks /proc meanwhile and takes the first answer that finds the socket).
   */
  lookup(endpoints: AcceptedEndpoints, whileStarting: 'fail' | 'wait' = 'fail'): Promise<NetlinkAnswer> {
    if (this.current.kind === 'unavailable' && this.retryAt !== undefined && Date.now() >= this.retryAt) {
      this.retryAt = undefined;
      this.start();
    }
    if (this.current.kind === 'unavailable') return Promise.resolve({ kind: 'failed', reason: this.current.reason });
    if (!this.child) this.start();
    const state = this.state;
    if (state.kind === 'unavailable') return Promise.resolve({ kind: 'failed', reason: state.reason });
    if (state.kind === 'starting' && whileStarting === 'fail')
      return Promise.resolve({ kind: 'failed', reason: 'the netlink helper is starting' });
    if (this.waiting.size >= MAX_WAITING) return Promise.resolve({ kind: 'failed', reason: 'too many lookups waiting' });
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const line = requestLine(id, endpoints);
    if (line === null) return Promise.resolve({ kind: 'failed', reason: `cannot ask netlink about ${endpoints.remoteAddress}` });
    return new Promise((resolve) => {
      // Asked while the helper starts: sent once it is ready (queueFlush waits for that), answered in the usual time after.
      const timeoutMs = this.timeoutMs + (state.kind === 'starting' ? this.startTimeoutMs : 0);
      const timer = setTimeout(() => this.timedOut(id, timeoutMs), timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, endpoints, timer, askedAt: performance.now() });
      this.outbox.push({ id, line });
      this.queueFlush();
    });
  }

  dispose(): void {
    this.disposed = true;
    this.stop('the proxy stopped');
    this.current = { kind: 'unavailable', reason: 'stopped' };
  }

  /**
   * Lines written together: every lookup of one turn of the event loop is one write, one batch; while a
   * batch is unanswered the next one waits for it, and during a burst writes are at least
   * BATCH_SPACING_MS apart. A burst of accepts (one or a few per turn, 500 in a few seconds) is then a few
   * dozen batches instead of a write and a wake-up of the helper per connection; a lookup alone (an app's
   * connections one after another) is written at once, so that its process is known by its ClientHello
   * (the capture policy's repeats, capturePolicy.ts: with 10 ms between any two writes, lookups of
   * connections 5 ms apart took 5.7 ms at the median, 1.2 ms without).
   */
  private queueFlush(): void {
    if (this.flushQueued || this.current.kind !== 'ready' || this.inFlight.size > 0) return;
    this.flushQueued = true;
    const wait = this.crowded ? this.lastWriteAt + BATCH_SPACING_MS - performance.now() : 0;
    const flush = (): void => {
      this.flushQueued = false;
      if (!this.child || this.inFlight.size > 0) return;
      // Those that timed out or failed meanwhile (a helper that exited) are not asked again.
      const batch = this.outbox.filter(({ id }) => this.waiting.has(id));
      this.outbox = [];
      if (batch.length === 0) return;
      for (const { id } of batch) this.inFlight.add(id);
      this.lastWriteAt = performance.now();
      this.crowded = batch.length > 1;
      this.child.stdin.write(`${batch.map(({ line }) => line).join('\n')}\n`);
    };
    if (wait > 0) setTimeout(flush, wait);
    else setImmediate(flush);
  }

  /** A helper that stops answering (stuck, stopped) is killed after a few misses; the next lookup restarts it. */
  private timedOut(id: number, timeoutMs: number): void {
    this.settle(id, { kind: 'failed', reason: `the netlink helper did not answer within ${timeoutMs} ms` });
    // The next answers are waited for longer: the machine is busy, not the helper stuck (until several in a row).
    this.answerMs = Math.max(this.answerMs, timeoutMs / 5);
    if (++this.consecutiveTimeouts >= MAX_CONSECUTIVE_TIMEOUTS && this.child) {
      this.consecutiveTimeouts = 0;
      this.child.kill('SIGKILL');
    }
  }

  private settle(id: number, answer: NetlinkAnswer): void {
    const entry = this.waiting.get(id);
    if (!entry) return;
    this.waiting.delete(id);
    clearTimeout(entry.timer);
    if (this.inFlight.delete(id) && this.inFlight.size === 0 && this.outbox.length > 0) {
      this.crowded = true;
      this.queueFlush();
    }
    entry.resolve(answer);
  }

  private start(): void {
    if (this.disposed) return;
    const now = Date.now();
    this.starts = this.starts.filter((at) => now - at < START_WINDOW_MS);
    if (this.starts.length >= MAX_STARTS) {
      this.current = { kind: 'unavailable', reason: `the netlink helper exited ${MAX_STARTS} times within a minute` };
      this.retryAt = (this.starts[0] ?? now) + START_WINDOW_MS;
      return;
    }
    this.starts.push(now);
    this.current = { kind: 'starting' };
    // -I: ignore PYTHON* variables and the user's site directory; -S: no site module (faster start).
    const child = spawn(this.python, ['-I', '-S', '-c', SOCK_DIAG_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    // The helper must never keep a CLI run alive.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) if (stream instanceof Socket) stream.unref();
    const startTimer = setTimeout(
      () => this.giveUp(child, `the netlink helper did not start within ${this.startTimeoutMs} ms`),
      this.startTimeoutMs,
    );
    startTimer.unref();
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const lines = (buffered + chunk).split('\n');
      buffered = (lines.pop() ?? '').slice(-MAX_LINE_CHARS);
      for (const line of lines) this.onLine(child, line, startTimer);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_LINE_CHARS);
    });
    child.stdin.on('error', () => undefined);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(startTimer);
      this.giveUp(
        child,
        error.code === 'ENOENT' ? `${this.python} was not found` : `${this.python} could not be started: ${error.message}`,
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(startTimer);
      if (this.child !== child) return;
      this.child = undefined;
      const why = `the netlink helper exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').at(-1) ?? ''}` : ''}`;
      this.failAll(why);
      if (this.current.kind !== 'unavailable') this.current = { kind: 'starting' };
    });
  }

  private onLine(child: ChildProcessWithoutNullStreams, line: string, startTimer: NodeJS.Timeout): void {
    if (this.current.kind === 'starting') {
      clearTimeout(startTimer);
      if (line === 'ready') {
        this.current = { kind: 'ready', pid: child.pid ?? 0 };
        this.queueFlush();
      } else {
        this.giveUp(
          child,
          line.startsWith('unavailable ')
            ? `netlink is not available: ${line.slice(12)}`
            : `the netlink helper said "${line.slice(0, 80)}"`,
        );
      }
      return;
    }
    const parsed = parseAnswer(line, (id) => this.waiting.get(id)?.endpoints);
    if (!parsed) return;
    this.consecutiveTimeouts = 0;
    const asked = this.waiting.get(parsed.id)?.askedAt;
    if (asked !== undefined) this.answerMs = this.answerMs * 0.8 + (performance.now() - asked) * 0.2;
    if (parsed.answer.kind === 'failed' && parsed.answer.reason.startsWith('netlink error')) {
      if (++this.consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) this.giveUp(child, `netlink answers with errors (${parsed.answer.reason})`);
    } else {
      this.consecutiveErrors = 0;
    }
    this.settle(parsed.id, parsed.answer);
  }

  /** Netlink is not usable here: every lookup from now on falls back. */
  private giveUp(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child && this.child !== undefined) return;
    this.current = { kind: 'unavailable', reason };
    this.stop(reason);
  }

  private stop(reason: string): void {
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.stdin.end();
      child.kill();
    }
    this.outbox = [];
    this.failAll(reason);
  }

  private failAll(reason: string): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, { kind: 'failed', reason });
  }
}
