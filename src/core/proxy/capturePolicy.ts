/**
 * Which intercepted connections keep their first bytes (legCapture.ts): every one, except a connection
 * from a client process that has already accepted the forged certificate of the same host with the same
 * ClientHello (JA4) through this proxy, that is, sent application data over the forged handshake, and
 * except a third one of those (process, host, ClientHello) opened while two are captured and open.
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
import type { ConnectionStore, Subscription } from '../connectionStore';
import { BoundedMap } from '../boundedMap';
import { processKeyOf } from '../record/client';
import { targetHost, type ConnectionRecord } from '../timeline';
import { findEvent } from '../../shared/timelineEvents';

/** Keys remembered at most (the oldest go first). */
const MAX_ACCEPTED = 10_000;
/**
 * Connections of one key captured at once while none has been accepted yet: a burst of them (an app's
 * connection pool opening, a page's parallel requests) is one client doing one thing, and what the first
 * ones show the others repeat.
 */
const MAX_OPEN_PER_KEY = 2;
/** Connections left out whose reason is remembered (the newest), so that an export can say why they have no bytes. */
const MAX_REASONS = 5_000;

type Judged = Pick<ConnectionRecord, 'host' | 'events' | 'client' | 'mode'>;

/** Why a connection is not captured: its client had accepted the interception already, or two of a burst are. */
export type SkippedCapture = 'accepted' | 'burst';

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
  private readonly accepted = new BoundedMap<string, true>(MAX_ACCEPTED);
  /** Captured connections of a key still open and not yet accepted, and each one's key (by record id). */
  private readonly open = new Map<string, number>();
  private readonly keys = new Map<number, string>();
  private readonly reasons = new BoundedMap<number, SkippedCapture>(MAX_REASONS);
  private readonly following: Subscription[] = [];

  /** Whether a connection whose ClientHello was just read keeps its bytes (null: it does, and is counted until `finished`), or why not. */
  skips(record: Judged & Pick<ConnectionRecord, 'id'>): SkippedCapture | null {
    const key = keyOf(record);
    if (key === null) return null;
    const open = this.open.get(key) ?? 0;
    const skipped = this.accepted.has(key) ? 'accepted' : open >= MAX_OPEN_PER_KEY ? 'burst' : null;
    if (skipped) {
      this.reasons.set(record.id, skipped);
      return skipped;
    }
    this.open.set(key, open + 1);
    this.keys.set(record.id, key);
    return null;
  }

  /** Why connection `id` was left out, if it was (and is still remembered). */
  skippedWhy(id: number): SkippedCapture | undefined {
    return this.reasons.get(id);
  }

  /** Hears of every finished connection of `store`, and of each client's first application data, until `unfollow`. */
  follow(store: ConnectionStore): void {
    this.following.push(
      store.onFinished.subscribe((record) => this.finished(record)),
      store.onEvent.subscribe(({ record, event }) => {
        if (event.kind === 'first-data' && event.from === 'client') this.dataFromClient(record);
      }),
    );
  }

  unfollow(): void {
    for (const subscription of this.following.splice(0)) subscription.dispose();
  }

  /** Told as the client's application data first arrives over a forged handshake: the next connection may already be starting. */
  private dataFromClient(record: Judged): void {
    const key = keyOf(record);
    if (key !== null && acceptedInterception(record)) this.accept(key);
  }

  /** Told of every finished connection (its process known by then, or given up on). */
  private finished(record: Judged & Pick<ConnectionRecord, 'id'>): void {
    const counted = this.keys.get(record.id);
    if (counted !== undefined) {
      this.keys.delete(record.id);
      const open = (this.open.get(counted) ?? 1) - 1;
      if (open > 0) this.open.set(counted, open);
      else this.open.delete(counted);
    }
    if (record.mode !== 'intercept') return;
    const key = keyOf(record);
    if (key === null) return;
    if (acceptedInterception(record)) this.accept(key);
    else this.accepted.delete(key);
  }

  private accept(key: string): void {
    this.accepted.set(key, true);
  }
}
