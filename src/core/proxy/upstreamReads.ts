/**
 * The real server's bytes, passed to the client without a Buffer per chunk.
 *
 * Node's TLSSocket hands JavaScript every piece it decrypts (up to 16 KiB) in a new Buffer. In a bulk
 * download those Buffers' memory is external to V8's heap, and V8 counts external memory allocated
 * since its last full collection against the old generation's limit: with a small heap, bulk downloads
 * started mark-compacts again and again (docs/performance.md). With `onread` Node copies what it decrypts
 * into a buffer we give it instead. One buffer serves
 * every upstream socket: reads run one at a time on the event loop and each piece is passed on before
 * the callback returns. The client's TLSSocket encrypts what write() gives it before write() returns
 * when nothing is queued, so an idle client takes the piece as is; otherwise it is copied into a slab
 * from a small pool, which returns to the pool once written.
 */
import type { Duplex } from 'node:stream';

/** Node decrypts at most 16 KiB (a TLS record's largest plaintext) per piece. */
const PIECE = 16 * 1024;
const shared = Buffer.allocUnsafeSlow(PIECE);
const freeSlabs: Buffer[] = [];
/** 1 MiB at most kept for reuse, process-wide. */
const MAX_FREE_SLABS = 64;
/** What the server may send before the relay starts (HTTP/2 SETTINGS, a server-speaks-first greeting) before reading pauses. */
const MAX_EARLY_BYTES = 256 * 1024;

export type RelayTarget = Pick<Duplex, 'write' | 'once' | 'destroyed' | 'writableLength' | 'writableCorked'>;

interface Source {
  resume(): unknown;
}

export class UpstreamReads {
  private target: RelayTarget | undefined;
  private source: Source | undefined;
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private waitingForDrain = false;
  private onFirst: ((bytes: number) => void) | undefined;

  /** For tls.connect: Node reads into the shared buffer and calls back with each piece. */
  readonly onread = {
    buffer: shared,
    callback: (bytes: number): boolean => this.receive(shared.subarray(0, bytes)),
  };

  /**
   * Starts passing the server's bytes to `target` (what arrived before first, then each piece as it is
   * read); `onFirst` is told the size of the first piece. Reading pauses while the target's buffer is full.
   */
  relayTo(target: RelayTarget, source: Source, onFirst: (bytes: number) => void): void {
    this.target = target;
    this.source = source;
    this.onFirst = onFirst;
    const early = this.early;
    this.early = [];
    let open = true;
    for (const piece of early) open = this.pass(piece, true) && open;
    const wasPaused = this.earlyBytes >= MAX_EARLY_BYTES;
    this.earlyBytes = 0;
    if (open && wasPaused) source.resume();
    else if (!open) this.resumeOnDrain();
  }

  private receive(piece: Buffer): boolean {
    if (this.target) return this.pass(piece);
    this.early.push(Buffer.from(piece));
    this.earlyBytes += piece.length;
    return this.earlyBytes < MAX_EARLY_BYTES;
  }

  /** `owned`: the piece is a copy of its own (it may be queued as is), not the shared buffer. */
  private pass(piece: Buffer, owned = false): boolean {
    const target = this.target;
    if (!target || target.destroyed) return true;
    if (this.onFirst) {
      this.onFirst(piece.length);
      this.onFirst = undefined;
    }
    let room: boolean;
    if (owned || (target.writableLength === 0 && target.writableCorked === 0)) {
      // Nothing queued, so the client's TLS layer encrypts the piece before write() returns; or a copy
      // of its own, which may wait in the queue.
      room = target.write(piece);
    } else {
      const slab = freeSlabs.pop() ?? Buffer.allocUnsafeSlow(PIECE);
      piece.copy(slab);
      room = target.write(slab.subarray(0, piece.length), () => {
        if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(slab);
      });
    }
    if (!room) this.resumeOnDrain();
    return room;
  }

  private resumeOnDrain(): void {
    if (this.waitingForDrain || !this.target) return;
    this.waitingForDrain = true;
    this.target.once('drain', () => {
      this.waitingForDrain = false;
      this.source?.resume();
    });
  }
}
