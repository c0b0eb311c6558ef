/**
 * What a captured leg's TLSSocket runs over: the socket itself, its bytes passed through both ways and
 * the first of each direction kept (see legCapture.ts). A TLSSocket made over anything but a net.Socket
 * reads and writes it through Node's JSStreamSocket, so the tee is made to look like what that uses.
 */
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { LegSide } from '../report/capturedTraffic';
import { readIntoUserBuffer } from './userBufferReads';

/** Where a tee keeps what passes: the leg's recorder (LegRecorder in legCapture.ts). */
export interface LegSink {
  data(from: LegSide, chunk: Buffer): void;
  end(from: LegSide, kind: 'fin' | 'rst'): void;
}

/** What every captured socket reads into: each piece is passed on (copied by the TLS layer) before the next read. */
const READS = Buffer.allocUnsafeSlow(64 * 1024);

export const other = (side: LegSide): LegSide => (side === 'initiator' ? 'responder' : 'initiator');

/**
 * The tee as what a TLSSocket is made over: its type asks for a Duplex, and the JSStreamSocket it wraps
 * a non-socket in uses only the part of one the tee has (see RecordingTee).
 */
export const asStream = (tee: RecordingTee): Duplex => tee as unknown as Duplex;

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
export class RecordingTee extends EventEmitter {
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
    private readonly leg: LegSink,
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
