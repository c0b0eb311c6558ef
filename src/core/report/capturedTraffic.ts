/**
 * The first bytes of both legs of one intercepted connection, and the TLS secrets of both handshakes:
 * what `pinscope export --format pcapng` turns into a capture Wireshark decrypts on its own. Kept per
 * connection by the proxy (proxy/legCapture.ts) and carried in recordings as the `capture` field of a
 * connection line (base64 bytes); read back here, checked field by field (a recording is untrusted input).
 */

/** client: the client ⇄ Pinscope (our forged certificate); server: Pinscope ⇄ the real server. */
type LegRole = 'client' | 'server';
/** Who opened the TCP connection of a leg (the client on its leg, Pinscope on the server's). */
export type LegSide = 'initiator' | 'responder';

/** What happened on a leg, in order: bytes one side sent, or how one side ended (FIN or RST). */
export type LegEvent =
  | { readonly at: number; readonly from: LegSide; readonly kind: 'data'; readonly bytes: Buffer }
  | { readonly at: number; readonly from: LegSide; readonly kind: 'fin' | 'rst' };

export interface CapturedLeg {
  readonly role: LegRole;
  /** When the leg's TCP connection was open (ms since the epoch, fractional). */
  readonly openedAt: number;
  readonly events: readonly LegEvent[];
  /** Bytes each side sent beyond what was kept. */
  readonly dropped: { readonly initiator: number; readonly responder: number };
}

export interface CapturedConnection {
  readonly legs: readonly CapturedLeg[];
  /** NSS key-log lines (no newline) of both legs' handshakes. */
  readonly keylog: readonly string[];
}

/** A recording's `capture` field: times in ms since the epoch, bytes in base64. */
export interface CaptureJson {
  readonly legs: readonly {
    readonly role: LegRole;
    readonly openedAt: number;
    readonly events: readonly (readonly [number, 'i' | 'r', 'data' | 'fin' | 'rst', string?])[];
    readonly dropped: readonly [number, number];
  }[];
  readonly keylog: readonly string[];
}

/** One NSS key-log line: a label, the client random, a secret (hex). Nothing else reaches the file. */
const KEYLOG_LINE = /^[A-Z][A-Z0-9_]{2,40} [0-9a-f]{64} [0-9a-f]{32,256}$/;
/** Bytes read back per connection at most (the proxy keeps 64 KiB per direction by default). */
const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;
const MAX_EVENTS = 100_000;
const MAX_KEYLOG_LINES = 64;

function isKeylogLine(line: string): boolean {
  return KEYLOG_LINE.test(line);
}

export function captureToJson(capture: CapturedConnection): CaptureJson {
  return {
    legs: capture.legs.map((leg) => ({
      role: leg.role,
      openedAt: leg.openedAt,
      events: leg.events.map((e) =>
        e.kind === 'data' ? ([e.at, side(e.from), 'data', e.bytes.toString('base64')] as const) : ([e.at, side(e.from), e.kind] as const),
      ),
      dropped: [leg.dropped.initiator, leg.dropped.responder] as const,
    })),
    keylog: [...capture.keylog],
  };
}

const side = (from: LegSide): 'i' | 'r' => (from === 'initiator' ? 'i' : 'r');

/** A connection line with its capture, if any (the recording's optional `capture` field). */
export function withCapture<T extends object>(line: T, capture: CapturedConnection | undefined): T | (T & { capture: CaptureJson }) {
  return capture ? { ...line, capture: captureToJson(capture) } : line;
}

class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
}

/** Reads a recording's `capture` field back; a malformed one is a CaptureFormatError saying what is wrong. */
export function captureFromJson(value: unknown): CapturedConnection {
  if (!isObject(value) || !Array.isArray(value.legs) || !Array.isArray(value.keylog))
    throw new CaptureFormatError('capture: expected {legs: [...], keylog: [...]}');
  if (value.keylog.length > MAX_KEYLOG_LINES) throw new CaptureFormatError(`capture: more than ${MAX_KEYLOG_LINES} key-log lines`);
  const keylog = value.keylog.map((line, i) => {
    if (typeof line !== 'string' || !isKeylogLine(line))
      throw new CaptureFormatError(`capture: key-log line ${i + 1} is not an NSS key-log line`);
    return line;
  });
  let total = 0;
  let count = 0;
  const legs = value.legs.map((leg, l): CapturedLeg => {
    const where = `capture: leg ${l + 1}`;
    if (
      !isObject(leg) ||
      (leg.role !== 'client' && leg.role !== 'server') ||
      !isTime(leg.openedAt) ||
      !Array.isArray(leg.events) ||
      !Array.isArray(leg.dropped)
    ) {
      throw new CaptureFormatError(`${where}: expected {role: "client" | "server", openedAt, events, dropped}`);
    }
    const [droppedI, droppedR] = leg.dropped as unknown[];
    if (!isCount(droppedI) || !isCount(droppedR)) throw new CaptureFormatError(`${where}: dropped must be two byte counts`);
    const events = leg.events.map((event, e): LegEvent => {
      if (++count > MAX_EVENTS) throw new CaptureFormatError(`capture: more than ${MAX_EVENTS} events`);
      if (!Array.isArray(event)) throw new CaptureFormatError(`${where}, event ${e + 1}: expected [at, "i" | "r", kind, base64?]`);
      const [at, from, kind, data] = event as unknown[];
      if (!isTime(at) || (from !== 'i' && from !== 'r'))
        throw new CaptureFormatError(`${where}, event ${e + 1}: expected [at, "i" | "r", kind, base64?]`);
      const sideOf: LegSide = from === 'i' ? 'initiator' : 'responder';
      if (kind === 'fin' || kind === 'rst') return { at, from: sideOf, kind };
      if (kind !== 'data' || typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data))
        throw new CaptureFormatError(`${where}, event ${e + 1}: expected "data" with base64 bytes, "fin" or "rst"`);
      total += Math.floor((data.length * 3) / 4);
      if (total > MAX_CAPTURE_BYTES) throw new CaptureFormatError(`capture: more than ${MAX_CAPTURE_BYTES} bytes`);
      return { at, from: sideOf, kind, bytes: Buffer.from(data, 'base64') };
    });
    return { role: leg.role, openedAt: leg.openedAt, events, dropped: { initiator: droppedI, responder: droppedR } };
  });
  return { legs, keylog };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
