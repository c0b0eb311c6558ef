/**
 * Which intercepted connections keep their first bytes (legCapture.ts): every one, except
 * - a *repeat*: a connection from a client process that has already accepted the forged certificate of
 *   the same host with the same ClientHello (JA4) through this proxy, that is, sent application data over
 *   the forged handshake;
 * - one of a *burst*: a third connection of that (process, host, JA4) opened while two are captured, open
 *   and not yet accepted; or, while its process is not known yet, a third of that (host, JA4) opened while
 *   two that came without a known process either are captured and open (a pool opening at once is read
 *   before any process lookup answers, and those connections cannot be told apart).
 *
 * Capture exists for the connections that break: their pcapng export is the evidence a security team
 * reads. Whether a client accepts a certificate is decided by its TLS stack and configuration, which a
 * running process does not change between two connections to one host with one ClientHello; so what is
 * left out is a repeat of a connection already seen working, or what two captured beside it show. And it
 * is only left out on what was seen: a connection is a repeat only once its process is known (when only
 * that can tell, legCapture.ts waits a moment for it), a repeat that does not carry the client's data
 * after all (any failure) puts the key back to capturing, and so does a failure of one left out of a
 * burst: the next one is captured (a failing client retries). A captured leg's TLS runs over a
 * JavaScript stream for its whole life (Node cannot leave one): ~1.5 ms of CPU per connection and about
 * half a bulk transfer's throughput (docs/performance.md, "Leg capture"), which an app's steady traffic
 * then no longer pays.
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

/** The client process's key, once known. */
function ownerOf(record: Judged): string | null {
  const process = record.client?.process;
  return process ? processKeyOf(process) : null;
}

/** The host and the ClientHello's JA4; null without a JA4. */
function helloKeyOf(record: Judged): string | null {
  const ja4 = findEvent(record.events, 'client-hello')?.hello.ja4;
  return ja4 ? `${targetHost(record)} ${ja4}` : null;
}

/** The client process, the host and the ClientHello's JA4; null while any of them is unknown. */
function keyOf(record: Judged): string | null {
  const owner = ownerOf(record);
  const hello = owner === null ? null : helloKeyOf(record);
  return hello === null ? null : `${owner} ${hello}`;
}

/** Whether the client sent application data over the forged handshake: it accepted the interception. */
function acceptedInterception(record: Judged): boolean {
  return (
    record.mode === 'intercept' &&
    findEvent(record.events, 'handshake-complete') !== undefined &&
    record.events.some((event) => event.kind === 'first-data' && event.from === 'client')
  );
}

type Counted = Judged & Pick<ConnectionRecord, 'id'>;

/** Where a burst is counted: the key, or while the process is not known, `? host JA4`. */
const UNATTRIBUTED = '? ';

export class CapturePolicy {
  private readonly accepted = new BoundedMap<string, true>(MAX_ACCEPTED);
  /**
   * Captured connections still open that a burst repeats, by burst key: under their key until accepted;
   * under their host and JA4 alone, when their process was not known at their ClientHello, until they
   * end (accepted or not: a connection opened beside them, its process not known either, cannot be told
   * from theirs). Any connection left out of a burst that does not carry its client's data (a failure)
   * ends its burst: the next one is captured.
   */
  private readonly open = new Map<string, Set<number>>();
  /** The burst key each connection in `open` is counted under (by record id). */
  private readonly burstOf = new Map<number, string>();
  private readonly reasons = new BoundedMap<number, SkippedCapture>(MAX_REASONS);
  /** Open connections that accepted the interception before their process was known (by record id). */
  private readonly acceptedUnattributed = new Map<number, Counted>();
  /** The host and JA4 of every key in `accepted`. */
  private readonly acceptedHellos = new BoundedMap<string, true>(MAX_ACCEPTED);
  private readonly following: Subscription[] = [];

  /**
   * Whether a connection whose ClientHello was just read may be a repeat, which only its process, not
   * known yet, can tell: a process has accepted the interception of its host with its ClientHello.
   */
  mayRepeat(record: Judged): boolean {
    const hello = ownerOf(record) === null ? helloKeyOf(record) : null;
    return hello !== null && this.acceptedHellos.has(hello);
  }

  /** Whether a connection whose ClientHello was just read keeps its bytes (null: it does, and is counted until `finished`), or why not. */
  skips(record: Counted): SkippedCapture | null {
    this.attributeAcceptances();
    const hello = helloKeyOf(record);
    if (hello === null) return null;
    const owner = ownerOf(record);
    const key = owner === null ? null : `${owner} ${hello}`;
    const burst = key ?? UNATTRIBUTED + hello;
    const skipped =
      key !== null && this.accepted.has(key) ? 'accepted' : (this.open.get(burst)?.size ?? 0) >= MAX_OPEN_PER_KEY ? 'burst' : null;
    if (skipped) {
      this.reasons.set(record.id, skipped);
      return skipped;
    }
    const counted = this.open.get(burst) ?? new Set<number>();
    counted.add(record.id);
    this.open.set(burst, counted);
    this.burstOf.set(record.id, burst);
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
  private dataFromClient(record: Counted): void {
    if (!acceptedInterception(record)) return;
    const key = keyOf(record);
    if (key === null) {
      this.acceptedUnattributed.set(record.id, record);
      return;
    }
    // Accepted, with its process: what the next ones repeat, no longer one of a burst waiting to be seen
    // (unless counted without a process: see `open`).
    if (this.burstOf.get(record.id) === key) this.uncount(record.id);
    this.accept(key, record);
  }

  /** Acceptances whose process has become known since are noted under its key. */
  private attributeAcceptances(): void {
    for (const [id, record] of this.acceptedUnattributed) {
      const key = keyOf(record);
      if (key === null) continue;
      this.acceptedUnattributed.delete(id);
      this.accept(key, record);
    }
  }

  /** Told of every finished connection (its process known by then, or given up on). */
  private finished(record: Counted): void {
    this.uncount(record.id);
    this.acceptedUnattributed.delete(record.id);
    if (record.mode !== 'intercept') return;
    if (this.reasons.get(record.id) === 'burst' && !acceptedInterception(record)) this.endBurstOf(record);
    const key = keyOf(record);
    if (key === null) return;
    if (acceptedInterception(record)) this.accept(key, record);
    else this.accepted.delete(key);
  }

  /** A connection left out of a burst failed: what it did is not what the captured ones show, so its burst ends (both ways it was counted). */
  private endBurstOf(record: Counted): void {
    const hello = helloKeyOf(record);
    if (hello === null) return;
    const key = keyOf(record);
    for (const burst of key === null ? [UNATTRIBUTED + hello] : [key, UNATTRIBUTED + hello])
      for (const id of [...(this.open.get(burst) ?? [])]) this.uncount(id);
  }

  /** Connection `id` no longer counts in its burst. */
  private uncount(id: number): void {
    const burst = this.burstOf.get(id);
    if (burst === undefined) return;
    this.burstOf.delete(id);
    const counted = this.open.get(burst);
    counted?.delete(id);
    if (counted?.size === 0) this.open.delete(burst);
  }

  private accept(key: string, record: Judged): void {
    this.accepted.set(key, true);
    const hello = helloKeyOf(record);
    if (hello !== null) this.acceptedHellos.set(hello, true);
  }
}
