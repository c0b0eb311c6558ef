/**
 * The first bytes of both legs of each intercepted connection, and both handshakes' TLS secrets, kept
 * so that a connection can be exported as pcapng (report/pcapng.ts) and opened decrypted in Wireshark.
 *
 * A TLSSocket made over a net.Socket reads and writes its file descriptor in C++, out of JavaScript's
 * sight; made over any other Duplex it goes through it. So a captured leg's TLSSocket runs over a
 * RecordingTee (recordingTee.ts), which passes the socket's bytes on and keeps each direction's first
 * `bytesPerDirection` (the rest is counted). The proxy's hooks are one call each: `clientLeg` and
 * `captureTls` where the forged certificate is served, `serverLeg` and `captureTls` where the real server's TLS starts.
 * Kept per connection id, the oldest dropped first beyond a count and a total of bytes.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { CapturedConnection, CapturedLeg, LegEvent, LegSide } from '../report/capturedTraffic';
import { DEFAULT_CAPTURE_BYTES } from '../../shared/vocabulary';
import { UpstreamReads } from './upstreamReads';
import { readIntoUserBuffer } from './userBufferReads';
import { asStream, other, RecordingTee } from './recordingTee';
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

const now = (): number => performance.timeOrigin + performance.now();

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
