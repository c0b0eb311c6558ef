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
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { CapturedConnection, CapturedLeg, LegEvent, LegSide } from '../report/capturedTraffic';
import { DEFAULT_CAPTURE_BYTES } from '../../shared/vocabulary';

/** Bytes kept across every connection's capture at most; the oldest captures go first. */
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const MAX_CAPTURES = 5000;
/** Per direction at most: four directions stay within what a recording reads back per connection (16 MiB). */
export const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;
const MAX_KEYLOG_LINES = 32;

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

  constructor(readonly bytesPerDirection: number) {}

  /** Starts capturing connection `id`, whose client is `client` (accepted at `acceptedAt`, ms since the epoch), before its TLSSocket is made. */
  begin(id: number, client: Socket, acceptedAt: number): void {
    const capture = new ConnectionCapture(this.bytesPerDirection, acceptedAt, (owner, bytes) => {
      owner.bytes += bytes;
      this.total += bytes;
      this.trim(owner);
    });
    this.byId.set(id, capture);
    CAPTURED.set(client, capture);
    this.trim(capture);
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
  return tee;
}

/** What the real server's TLS runs over: its socket, through a RecordingTee when the client's connection is captured. */
export function serverLeg(client: Socket, upstream: Socket): Socket | Duplex {
  const capture = CAPTURED.get(client);
  if (!capture) return upstream;
  const tee = new RecordingTee(upstream, capture.leg('server'), 'initiator');
  CAPTURED.set(tee, capture);
  return tee;
}

/**
 * For a captured leg (`transport`: the client's socket, or the server's tee): keeps the TLS secrets of
 * `tls`, and passes the socket's errors to it as they would reach a TLSSocket over its own socket (a
 * TLSSocket over a stream hears only that the stream closed, not an ECONNRESET).
 */
export function captureTls(transport: object, tls: TLSSocket): void {
  const capture = CAPTURED.get(transport);
  if (!capture) return;
  tls.on('keylog', (line: Buffer) => capture.key(line));
  const tee = transport instanceof RecordingTee ? transport : TEES.get(transport);
  tee?.attach(tls);
}

/** Whether this client's connection is captured (then the server's side runs over a socket of ours, see serverLeg). */
export function isCaptured(client: Socket): boolean {
  return CAPTURED.has(client);
}

type WriteCallback = (error?: Error | null) => void;

/**
 * A socket's bytes passed through both ways unchanged, the first of each direction kept on the leg.
 *
 * What its TLSSocket hears must be what it would hear over the socket itself, so that a record does not
 * depend on whether capture is on. Over its own socket, a TLSSocket's write error goes to the write that
 * failed, and the TLS layer decides: a write of its own (session tickets, its close_notify, an alert) fails
 * silently, and reading goes on, so the peer's close_notify and FIN still arrive. So the tee never errors
 * itself: a failed write goes to that write's callback, and a write that failed after the peer's FIN waits
 * until what was read before it (that FIN among it) has reached the TLS layer. A net.Socket whose write
 * fails closes (what it had read is kept): its reading then ends there, with a FIN. A read error (an RST)
 * reaches the TLSSocket after the bytes read before it, as over its own socket.
 */
class RecordingTee extends Duplex {
  private tls: TLSSocket | undefined;
  /** Whether the socket has read the peer's FIN. */
  private peerEnded = false;
  /** Set once the socket reads no more (its FIN, or the error that closed it); the tee's 'end' follows its bytes. */
  private readingOver = false;
  /** Set when a write failed: the socket closes, what it read before stays readable. */
  private writeFailed = false;
  private readError: Error | undefined;
  /** Failed writes held until the tee's reading has ended (after the bytes read before them). */
  private held: (() => void)[] = [];
  /** The socket's own allowHalfOpen, for the TLSSocket (the socket itself is made half-open, see below). */
  private readonly halfOpen: boolean;

  constructor(
    private readonly socket: Socket,
    private readonly leg: LegRecorder,
    private readonly ours: LegSide,
  ) {
    // Neither the tee nor its socket ends on the peer's FIN of its own accord (the socket would send its
    // FIN before the TLSSocket's close_notify): the TLSSocket ends them, half-open or not as the socket was.
    super({ allowHalfOpen: true });
    this.halfOpen = socket.allowHalfOpen;
    socket.allowHalfOpen = true;
    const peer = other(ours);
    socket.on('data', (chunk: Buffer) => {
      leg.data(peer, chunk);
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => {
      leg.end(peer, 'fin');
      this.peerEnded = true;
      // On the next turn, as a TLSSocket over its own socket would see it: what the bytes before the FIN
      // started (the relay, once the handshake is secure) is under way by then.
      setImmediate(() => this.endReading());
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A write's error went to that write (see write).
      if (error.syscall === 'write') return;
      if (error.code === 'ECONNRESET') leg.end(peer, 'rst');
      this.readError ??= error;
      this.endReading();
    });
    socket.once('close', () => {
      leg.end(ours, 'fin');
      // Closed from outside (the proxy destroyed the client): the TLSSocket is closed with it, as over its
      // own socket. After a clean end or an error, what it has not read yet stays readable.
      if (!this.readingOver && !this.writeFailed && !socket.readableEnded) this.destroy();
    });
    // Listened to before the TLSSocket's stream wrap is made, so before the TLS layer hears the EOF.
    this.once('end', () => {
      if (this.readError && this.tls && !this.tls.destroyed) this.tls.destroy(this.readError);
      // After the EOF has reached the TLS layer (the wrap's listener runs next, in this turn).
      process.nextTick(() => this.release());
    });
  }

  /** The TLSSocket over the tee: told the socket's read errors, and ending its writes as it would over the socket. */
  attach(tls: TLSSocket): void {
    this.tls = tls;
    tls.allowHalfOpen = this.halfOpen;
  }

  private endReading(): void {
    if (this.readingOver) return;
    this.readingOver = true;
    this.push(null);
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const report of held) report();
  }

  override _read(): void {
    this.socket.resume();
  }

  /**
   * Written straight to the socket, not through the Writable's queue, whose failed write would error the
   * tee and reach the TLSSocket as an error of its own (see the class comment). The TLSSocket's stream
   * wrap writes one buffer at a time and waits for its callback, so the socket's own queue keeps the order.
   */
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    const done = typeof encoding === 'function' ? encoding : (callback ?? ((): void => undefined));
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? encoding : 'utf8');
    return this.send(bytes, done);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: WriteCallback): void {
    this.send(chunk, done);
  }

  private send(chunk: Buffer, done: WriteCallback): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) {
      this.failed(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }), done);
      return false;
    }
    this.leg.data(this.ours, chunk);
    return this.socket.write(chunk, (error) => (error ? this.failed(error, done) : done()));
  }

  /** A failed write: reported now, or, when the socket had read the peer's FIN, once that FIN has reached the TLS layer. */
  private failed(error: Error, done: WriteCallback): void {
    // The socket closes on a failed write: what it read so far is all it will read (after the error reaches
    // the TLS layer, when it is told now: the stream wrap tells it on the next turn).
    this.writeFailed = true;
    setImmediate(() => this.endReading());
    if (!this.peerEnded || this.readableEnded) return done(error);
    this.held.push(() => done(error));
  }

  override _final(done: WriteCallback): void {
    this.leg.end(this.ours, 'fin');
    // A socket that has closed is not ended again (its error went to the write that failed).
    if (this.socket.destroyed) return done();
    this.socket.end(() => done());
  }

  override _destroy(_error: Error | null, done: WriteCallback): void {
    this.leg.end(this.ours, 'fin');
    this.socket.destroy();
    this.release();
    done();
  }
}
