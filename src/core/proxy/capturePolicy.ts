/**
 * Which intercepted connections keep their first bytes (legCapture.ts): every one, except a connection
 * from a client process that has already accepted the forged certificate of the same host with the same
 * ClientHello (JA4) through this proxy, that is, sent application data over the forged handshake.
 *
 * Capture exists for the connections that break: their pcapng export is the evidence a security team
 * reads. Whether a client accepts a certificate is decided by its TLS stack and configuration, which a
 * running process does not change between two connections to one host with one ClientHello; so what is
 * left out is a repeat of a connection already seen working. And it is only left out on what was seen:
 * a connection whose process is not known yet when its ClientHello is read (attribution still running,
 * or off) is captured, and one of those repeats that does not carry the client's data after all (any
 * failure) puts the key back to capturing. A captured leg's TLS runs over a JavaScript stream for its
 * whole life (Node cannot leave one): ~1.5 ms of CPU per connection and about half a bulk transfer's
 * throughput (docs/performance.md, "Leg capture"), which an app's steady traffic then no longer pays.
 */
import { processKeyOf } from '../record/client';
import { targetHost, type ConnectionRecord } from '../timeline';
import { findEvent } from '../../shared/timelineEvents';

/** Keys remembered at most (the oldest go first). */
const MAX_ACCEPTED = 10_000;

/** Why a connection of a capturing proxy has no bytes kept, for exports that find none. */
export const SKIPPED_CAPTURE_REASON = 'its client process had already accepted the interception of that host with the same ClientHello';

type Judged = Pick<ConnectionRecord, 'host' | 'events' | 'client' | 'mode'>;

/** The client process, the host and the ClientHello's JA4; null while any of them is unknown. */
function keyOf(record: Judged): string | null {
  const process = record.client?.process;
  const owner = process ? processKeyOf(process) : null;
  const ja4 = findEvent(record.events, 'client-hello')?.hello.ja4;
  return owner === null || !ja4 ? null : `${owner} ${targetHost(record)} ${ja4}`;
}

/** Whether the client sent application data over the forged handshake: it accepted the interception. */
function acceptedInterception(record: Judged): boolean {
  return (
    record.mode === 'intercept' &&
    findEvent(record.events, 'handshake-complete') !== undefined &&
    record.events.some((event) => event.kind === 'first-data' && event.from === 'client')
  );
}

export class CapturePolicy {
  private readonly accepted = new Set<string>();

  /** Whether a connection whose ClientHello was just read keeps its bytes. */
  wants(record: Judged): boolean {
    const key = keyOf(record);
    return key === null || !this.accepted.has(key);
  }

  /**
   * Told as the client's application data first arrives over a forged handshake (it accepted the
   * interception: the next connection may already be starting), and of every finished connection (its
   * process known by then, or given up on).
   */
  observe(record: Judged): void {
    if (record.mode !== 'intercept') return;
    const key = keyOf(record);
    if (key === null) return;
    if (!acceptedInterception(record)) {
      this.accepted.delete(key);
      return;
    }
    this.accepted.delete(key);
    this.accepted.add(key);
    if (this.accepted.size > MAX_ACCEPTED) for (const oldest of this.accepted) return void this.accepted.delete(oldest);
  }
}
