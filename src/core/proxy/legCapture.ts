/**
 * The first bytes of both legs of each intercepted connection, and both handshakes' TLS secrets, kept
 * so that a connection can be exported as pcapng (report/pcapng.ts) and opened decrypted in Wireshark.
 *
 * A TLSSocket made over a net.Socket reads and writes its file descriptor in C++, out of JavaScript's
 * sight; made over any other Duplex it goes through it. So a captured leg's TLSSocket runs over a
 * RecordingTee, which passes the socket's bytes on and keeps each direction's first `bytesPerDirection`
 * (the rest is counted). The proxy's hooks are one call each: `clientLeg` and `captureKeys` where the
 * forged certificate is served, `serverLeg` and `captureKeys` where the real server's TLS starts.
 * Kept per connection id, the oldest dropped first beyond a count and a total of bytes.
 */
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { CapturedConnection, CapturedLeg, LegEvent, LegSide } from '../report/capturedTraffic';
import { DEFAULT_CAPTURE_BYTES } from '../../shared/vocabulary';
import { UpstreamReads } from './upstreamReads';
import { readIntoUserBuffer } from './userBufferReads';
import { CapturePolicy, type SkippedCapture } from './capturePolicy';
import type { ConnectionRecorder, ConnectionStore } from '../connectionStore';
import type { ConnectionRecord } from '../timeline';

/** Bytes kept across every connection's capture at most; the oldest captures go first. */
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const MAX_CAPTURES = 5000;
/** Per direction at most: four directions stay within what a recording reads back per connection (16 MiB). */
export const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;
const MAX_KEYLOG_LINES = 32;
/**
 * How long a capture decision waits for the connection's process when only the process can tell whether
 * it repeats an accepted connection (its lookup, started at accept, usually answers within a millisecond
 * or two of the ClientHello): less than a capture costs (~1 ms of the proxy's CPU per connection, half a
 * download's speed: docs/performance.md). Not known by then: captured.
 */
const PROCESS_WAIT_MS = 2;

/** What every captured socket reads into: each piece is passed on (copied by the TLS layer) before the next read. */
const READS = Buffer.allocUnsafeSlow(64 * 1024);

const now = (): number => performance.timeOrigin + performance.now();
const other = (side: LegSide): LegSide => (side === 'initiator' ? 'responder' : 'initiator');

class LegRecorder {
  readonly events: LegEvent[] = [];
  readonly dropped = { initiator: 0, responder: 0 };
  private readonly kept = { initiator: 0, responder: 0 };
  private readonly ended = new Set<LegSide>();
  constructor(
    readonly role: CapturedLeg['role'],
    readonly openedAt: number,
    private readonly limit: number,
    private readonly onKept: (bytes: number) => void,
  ) {}

  data(from: LegSide, chunk: Buffer): void {
    const room = Math.max(0, this.limit - this.kept[from]);
    const piece = room > 0 ? Buffer.from(chunk.subarray(0, room)) : undefined;
    if (piece) {
      this.events.push({ at: now(), from, kind: 'data', bytes: piece });
      this.kept[from] += piece.length;
      this.onKept(piece.length);
    }
    this.dropped[from] += chunk.length - (piece?.length ?? 0);
  }

  end(from: LegSide, kind: 'fin' | 'rst'): void {
    if (this.ended.has(from)) return;
    this.events.push({ at: now(), from, kind });
    this.ended.add(from);
    if (kind === 'rst') this.ended.add(other(from));
  }

  snapshot(): CapturedLeg {
    return { role: this.role, openedAt: this.openedAt, events: [...this.events], dropped: { ...this.dropped } };
  }
}

class ConnectionCapture {
  readonly legs: LegRecorder[] = [];
  readonly keylog: string[] = [];
  bytes = 0;

  constructor(
    private readonly limit: number,
    private readonly clientOpenedAt: number,
    private readonly onKept: (capture: ConnectionCapture, bytes: number) => void,
  ) {}

  leg(role: CapturedLeg['role']): LegRecorder {
    // The client's TCP connection was open since it was accepted; the server's opens now.
    const leg = new LegRecorder(role, role === 'client' ? this.clientOpenedAt : now(), this.limit, (bytes) => this.onKept(this, bytes));
    this.legs.push(leg);
    return leg;
  }

  key(line: Buffer): void {
    if (this.keylog.length < MAX_KEYLOG_LINES) this.keylog.push(line.toString('latin1').trim());
  }

  snapshot(): CapturedConnection {
    return { legs: this.legs.map((leg) => leg.snapshot()), keylog: [...this.keylog] };
  }
}

/** The client socket (or server tee) of a captured connection → its capture. */
const CAPTURED = new WeakMap<object, ConnectionCapture>();
/** The client socket → the tee its TLSSocket runs over. */
const TEES = new WeakMap<object, RecordingTee>();

/** The capture store for `--capture-bytes`/`pinscope.captureBytes` (undefined: off); a bad value is an error naming the limit. */
export function captureStore(bytesPerDirection = DEFAULT_CAPTURE_BYTES): LegCaptures | undefined {
  if (!Number.isSafeInteger(bytesPerDirection) || bytesPerDirection < 0 || bytesPerDirection > MAX_CAPTURE_BYTES) {
    throw new RangeError(`capture bytes ${bytesPerDirection} is not valid: use 0 (off) to ${MAX_CAPTURE_BYTES} bytes per direction`);
  }
  return bytesPerDirection === 0 ? undefined : new LegCaptures(bytesPerDirection);
}

/** The store of captures, by connection id. */
export class LegCaptures {
  private readonly byId = new Map<number, ConnectionCapture>();
  private total = 0;
  /** Which connections are captured (see capturePolicy.ts). */
  private readonly policy = new CapturePolicy();

  constructor(readonly bytesPerDirection: number) {}

  /**
   * A connection whose ClientHello was just read, before either leg's TLSSocket is made: captured, or left
   * out with the policy's reason (see capturePolicy.ts). When it may be a repeat that only its process,
   * not known yet, can tell, the decision waits for it a moment (PROCESS_WAIT_MS): the promise resolves
   * once it is taken.
   */
  consider(recorder: ConnectionRecorder, client: Socket): Promise<void> | undefined {
    const { record } = recorder;
    const waiting = this.policy.mayRepeat(record) ? recorder.processWait(PROCESS_WAIT_MS) : undefined;
    if (waiting) return waiting.then(() => this.decide(record, client));
    this.decide(record, client);
    return undefined;
  }

  private decide(record: ConnectionRecord, client: Socket): void {
    if (!this.policy.skips(record)) this.begin(record.id, client, record.startedAt);
  }

  /** The policy follows `store`'s connections (see CapturePolicy.follow), until `unfollow`. */
  follow(store: ConnectionStore): void {
    this.policy.follow(store);
  }

  unfollow(): void {
    this.policy.unfollow();
  }

  /** Starts capturing connection `id`, whose client is `client` (accepted at `acceptedAt`, ms since the epoch), before its TLSSocket is made. */
  private begin(id: number, client: Socket, acceptedAt: number): void {
    const capture = new ConnectionCapture(this.bytesPerDirection, acceptedAt, (owner, bytes) => {
      owner.bytes += bytes;
      this.total += bytes;
      this.trim(owner);
    });
    this.byId.set(id, capture);
    CAPTURED.set(client, capture);
    this.trim(capture);
  }

  /** Why the policy left connection `id` out, if it did (and it is still remembered). */
  skippedWhy(id: number): SkippedCapture | undefined {
    return this.policy.skippedWhy(id);
  }

  /** What was captured of connection `id` so far, if it was (and is still kept). */
  captureOf(id: number): CapturedConnection | undefined {
    return this.byId.get(id)?.snapshot();
  }

  private trim(current: ConnectionCapture): void {
    for (const [id, capture] of this.byId) {
      if ((this.total <= MAX_TOTAL_BYTES && this.byId.size <= MAX_CAPTURES) || capture === current) return;
      this.byId.delete(id);
      this.total -= capture.bytes;
    }
  }
}

/** What the forged TLSSocket runs over: the client's socket, through a RecordingTee when the connection is captured. */
export function clientLeg(client: Socket): Socket | Duplex {
  const capture = CAPTURED.get(client);
  if (!capture) return client;
  const tee = new RecordingTee(client, capture.leg('client'), 'responder');
  TEES.set(client, tee);
  return asStream(tee);
}

/** What the real server's TLS runs over: its socket, through a RecordingTee when the client's connection is captured. */
export function serverLeg(client: Socket, upstream: Socket): Socket | Duplex {
  const capture = CAPTURED.get(client);
  if (!capture) return upstream;
  const tee = new RecordingTee(upstream, capture.leg('server'), 'initiator');
  CAPTURED.set(tee, capture);
  return asStream(tee);
}

/**
 * For a captured leg (`transport`: the client's socket, or the server's tee): keeps the TLS secrets of
 * `tls`, and passes the socket's errors to it as they would reach a TLSSocket over its own socket (a
 * TLSSocket over a stream hears only that the stream closed, not an ECONNRESET). On the server's leg,
 * the UpstreamReads its decrypted bytes are read through (as a connection of our own's are), when this
 * Node lets them be (see userBufferReads.ts); else they are read as a stream.
 */
export function captureTls(transport: object, tls: TLSSocket): UpstreamReads | undefined {
  const capture = CAPTURED.get(transport);
  if (!capture) return undefined;
  tls.on('keylog', (line: Buffer) => capture.key(line));
  const tee = transport instanceof RecordingTee ? transport : TEES.get(transport);
  tee?.attach(tls);
  if (transport !== tee) return undefined;
  const reads = new UpstreamReads();
  return readIntoUserBuffer(tls, reads.onread) ? reads : undefined;
}

/** Whether this client's connection is captured (then the server's side runs over a socket of ours, see serverLeg). */
export function isCaptured(client: Socket): boolean {
  return CAPTURED.has(client);
}

/**
 * The tee as what a TLSSocket is made over: its type asks for a Duplex, and the JSStreamSocket it wraps
 * a non-socket in uses only the part of one the tee has (see RecordingTee).
 */
const asStream = (tee: RecordingTee): Duplex => tee as unknown as Duplex;

type WriteCallback = (error?: Error | null) => void;

/** What a write to a socket that can no longer write is told. */
const closedForWriting = (): NodeJS.ErrnoException =>
  Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });

/**
 * A socket's bytes passed through both ways unchanged, the first of each direction kept on the leg.
 *
 * A TLSSocket made over anything but a net.Socket reads and writes it through Node's JSStreamSocket, which
 * uses of a stream only its `data`, `end`, `close` and `error` events, `pause`, `resume`, `cork`, `uncork`,
 * `write(buffer, callback)`, `end(callback)` and `destroy()`. The tee is only that, over the socket: not a
 * Duplex, so no queue, buffer or state of its own on the way of each chunk (a Duplex tee cost W4 about half
 * its throughput and W3 two thirds of its requests; docs/performance.md, "Leg capture"). Once a leg's limit is
 * reached in both directions a chunk costs a count more than the socket alone.
 *
 * What its TLSSocket hears must be what it hears over the socket itself, so that a record does not depend
 * on whether capture is on. Over its own socket, a TLSSocket's write error goes to the write that failed
 * and the TLS layer decides: a write of its own (a session ticket, its close_notify, an alert) fails
 * silently and reading goes on, so the peer's close_notify and FIN still arrive. So a failed write goes to
 * its callback only; the socket is not told (a net.Socket destroys itself on a failed write, and what it
 * had not read yet, the peer's close_notify, would be lost); and one that failed after the peer's FIN waits
 * until that FIN has reached the TLS layer. A read error (an RST) reaches the TLSSocket after the bytes
 * read before it, as over its own socket.
 */
class RecordingTee extends EventEmitter {
  /** Read by JSStreamSocket on each chunk. */
  readonly _readableState = { objectMode: false };
  readonly readable = true;
  readonly writable = true;
  /** The socket's own allowHalfOpen, for the TLSSocket (the socket itself is made half-open, see the constructor). */
  readonly allowHalfOpen: boolean;
  private tls: TLSSocket | undefined;
  /** Set by the first failed write: the socket writes no more. */
  private writeError: Error | undefined;
  /** Set once the socket has read the peer's FIN, then once that FIN has reached the TLS layer. */
  private peerEnded = false;
  private endDelivered = false;
  /** Failed writes held until the peer's FIN has reached the TLS layer. */
  private held: (() => void)[] = [];
  /** What was read before the TLS layer first read (see `received`). */
  private early: Buffer[] | undefined = [];

  constructor(
    private readonly socket: Socket,
    private readonly leg: LegRecorder,
    private readonly ours: LegSide,
  ) {
    super();
    // The socket sends no FIN of its own accord on the peer's (it would go before the TLSSocket's
    // close_notify): the TLSSocket ends it, half-open or not as the socket was.
    this.allowHalfOpen = socket.allowHalfOpen;
    socket.allowHalfOpen = true;
    // A failed write is the tee's to report (see the class comment), not the socket's to die of.
    socket._write = (data: Buffer, encoding: BufferEncoding, done: WriteCallback): void =>
      Socket.prototype._write.call(socket, data, encoding, this.guard(done));
    socket._writev = (chunks, done): void => Socket.prototype._writev?.call(socket, chunks, this.guard(done));
    const peer = other(ours);
    // Read into one buffer (no Buffer per read, see userBufferReads.ts), unless the socket holds bytes read
    // before (the client's ClientHello), which must go first: then, and where this Node cannot, as 'data'.
    if (socket.readableLength === 0)
      readIntoUserBuffer(socket, { buffer: READS, callback: (bytes) => this.received(READS.subarray(0, bytes)) });
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.once('end', () => {
      leg.end(peer, 'fin');
      this.peerEnded = true;
      // On the next turn, as a TLSSocket over its own socket would see it: what the bytes before the FIN
      // started (the relay, once the handshake is secure) is under way by then.
      setImmediate(() => {
        this.endDelivered = true;
        this.emit('end');
        this.release();
      });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') leg.end(peer, 'rst');
      // After what was read before it (a FIN among it), as over its own socket.
      setImmediate(() => {
        if (this.tls && !this.tls.destroyed) this.tls.destroy(error);
      });
    });
    socket.once('close', () => {
      leg.end(ours, 'fin');
      // After a clean end, what the TLS layer has not read yet stays readable (as over its own socket);
      // closed otherwise (by the proxy, or a read error), the TLSSocket closes with it, after what came before.
      const clean = socket.readableEnded && socket.writableFinished;
      setImmediate(() => {
        this.release();
        if (!clean) this.emit('close');
      });
    });
  }

  /**
   * A piece read: kept on the leg, and passed to the TLS layer, which copies it at once. Before the TLS
   * layer listens (the server's socket is made before its TLSSocket), it is copied and held.
   */
  private received(piece: Buffer): boolean {
    this.leg.data(other(this.ours), piece);
    if (this.early) this.early.push(Buffer.from(piece));
    else this.emit('data', piece);
    return true;
  }

  /** The TLSSocket over the tee, told the socket's read errors. */
  attach(tls: TLSSocket): void {
    this.tls = tls;
  }

  pause(): this {
    this.socket.pause();
    return this;
  }

  resume(): this {
    // The first resume is the TLS layer's first read: what came before goes first.
    const early = this.early;
    this.early = undefined;
    for (const piece of early ?? []) this.emit('data', piece);
    this.socket.resume();
    return this;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  write(chunk: Buffer, done: WriteCallback): boolean {
    if (this.writeError || this.socket.destroyed || this.socket.writableEnded) {
      this.failed(this.writeError ?? closedForWriting(), done);
      return false;
    }
    this.leg.data(this.ours, chunk);
    return this.socket.write(chunk, () => (this.writeError ? this.failed(this.writeError, done) : done()));
  }

  end(done: WriteCallback): void {
    this.leg.end(this.ours, 'fin');
    // A socket that can no longer write is not ended (its error went to the write that failed).
    if (this.writeError || this.socket.destroyed) return done();
    this.socket.end(() => done());
  }

  destroy(): void {
    this.leg.end(this.ours, 'fin');
    this.socket.destroy();
  }

  /** The socket's write callback, the error kept by the tee: the socket goes on (reading). */
  private guard(done: WriteCallback): WriteCallback {
    return (error) => {
      if (error) this.writeError ??= error;
      done();
    };
  }

  /** A failed write: reported now, or, when the socket had read the peer's FIN, once that FIN has reached the TLS layer. */
  private failed(error: Error, done: WriteCallback): void {
    if (!this.peerEnded || this.endDelivered) return done(error);
    this.held.push(() => done(error));
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const report of held) report();
  }
}
