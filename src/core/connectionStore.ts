/** Keeps the most recent connections (a bounded store) and publishes their events live to subscribers. */
import { performance } from 'node:perf_hooks';
import type { TimelineEvent } from '../shared/timelineEvents';
import { DEFAULT_MAX_CONNECTIONS_KEPT, type Mode } from '../shared/vocabulary';
import type { ConnectionRecord, NewEvent } from './timeline';
import type { HostName } from './hostNames';
import type { ConnectionClient, PendingClient } from './record/client';

export interface ConnectionEventNotice {
  readonly record: ConnectionRecord;
  readonly event: TimelineEvent;
}

export type Listener<T> = (value: T) => void;
export interface Subscription {
  dispose(): void;
}

/** A minimal typed event channel: listeners are isolated, so one that throws cannot break the proxy. */
export class Channel<T> {
  private readonly listeners = new Set<Listener<T>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  subscribe(listener: Listener<T>): Subscription {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}

export class ConnectionStore {
  readonly onEvent: Channel<ConnectionEventNotice>;
  readonly onFinished: Channel<ConnectionRecord>;
  /** A connection closed (its `closed` event is recorded); `onFinished` follows once its process is known. */
  readonly onClosed: Channel<ConnectionRecord>;
  /** A finished connection's process (and trust) became known after it was announced: judge it again. */
  readonly onClientUpdated: Channel<ConnectionRecord>;
  private readonly records = new Map<number, ConnectionRecord>();
  private nextId = 1;
  private droppedCount = 0;

  constructor(
    private capacityValue = DEFAULT_MAX_CONNECTIONS_KEPT,
    onListenerError?: (error: unknown) => void,
  ) {
    this.onEvent = new Channel(onListenerError);
    this.onFinished = new Channel(onListenerError);
    this.onClosed = new Channel(onListenerError);
    this.onClientUpdated = new Channel(onListenerError);
  }

  get capacity(): number {
    return this.capacityValue;
  }

  set capacity(value: number) {
    this.capacityValue = Math.max(1, Math.floor(value));
    this.evict();
  }

  /** How many records were dropped to stay within the capacity, since start or the last clear. */
  get dropped(): number {
    return this.droppedCount;
  }

  get size(): number {
    return this.records.size;
  }

  all(): ConnectionRecord[] {
    return [...this.records.values()];
  }

  get(id: number): ConnectionRecord | undefined {
    return this.records.get(id);
  }

  clear(): void {
    for (const [id, record] of this.records) if (record.finished) this.records.delete(id);
    this.droppedCount = 0;
  }

  /** Starts a connection's timeline; the returned recorder stamps each event with its time since start. */
  open(host: HostName, port: number, mode: Mode): ConnectionRecorder {
    const record: ConnectionRecord = { id: this.nextId++, startedAt: Date.now(), host, port, mode, events: [], finished: false };
    this.records.set(record.id, record);
    this.unclosed++;
    this.evict();
    return new ConnectionRecorder(record, this);
  }

  /** @internal used by ConnectionRecorder */
  publish(record: ConnectionRecord, event: TimelineEvent): void {
    this.onEvent.emit({ record, event });
  }

  /**
   * @internal used by ConnectionRecorder. Finished connections are announced in the order they closed:
   * one still waiting for its process (bounded) holds back those that closed after it, so that verdicts
   * that depend on earlier connections (the same process accepted another host) see them first.
   */
  finish(record: ConnectionRecord, ready?: Promise<void>): void {
    if (--this.unclosed === 0) for (const resolve of this.allClosed.splice(0)) resolve();
    this.onClosed.emit(record);
    const announce = (): void => {
      record.finished = true;
      this.onFinished.emit(record);
    };
    if (!ready && this.waiting === 0) return announce();
    this.waiting++;
    this.queue = this.queue
      .then(() => ready)
      .then(() => {
        this.waiting--;
        announce();
      });
  }

  private waiting = 0;
  private queue: Promise<void> = Promise.resolve();

  /**
   * Resolves once every connection opened so far has closed (its recorder finished) or after `maxMs`,
   * whichever is first, then once those are announced (each waits, bounded, for its process). For a stop:
   * its sockets are destroyed, and what they were doing (a relay's other side, a held close) ends soon after.
   */
  async settled(maxMs: number): Promise<void> {
    if (this.unclosed > 0) await atMost(new Promise<void>((resolve) => this.allClosed.push(resolve)), maxMs);
    await this.queue;
  }

  /** Connections opened and not closed yet; `settled` waits for none to be left. */
  private unclosed = 0;
  private readonly allClosed: (() => void)[] = [];

  /** @internal used by ConnectionRecorder: a finished record's client arrived. */
  clientUpdated(record: ConnectionRecord): void {
    if (this.records.get(record.id) === record) this.onClientUpdated.emit(record);
  }

  private evict(): void {
    if (this.records.size <= this.capacityValue) return;
    for (const [id, record] of this.records) {
      if (this.records.size <= this.capacityValue) break;
      // Oldest first; a live connection is kept unless the store is full of live connections.
      if (record.finished || this.records.size > this.capacityValue * 2) {
        this.records.delete(id);
        this.droppedCount++;
      }
    }
  }
}

/** Resolves once `promise` has, or after `ms`, whichever is first. */
function atMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).then(() => clearTimeout(timer));
}

/** The client of a record announced before its lookup answered (the answer updates it). */
function pendingClient(waitedMs: number): ConnectionClient {
  return {
    process: {
      kind: 'unknown',
      label: 'unknown process',
      reason: `not identified within ${waitedMs} ms (the machine is busy); the record is updated when the lookup answers`,
    },
    trust: null,
  };
}

export class ConnectionRecorder {
  private readonly start = performance.now();
  private client: Promise<void> | undefined;
  /** Until the client's socket has been found (then undefined). */
  private located: Promise<void> | undefined;
  private settled = false;
  private waitMs = 0;
  private holdMs = 0;
  private closing = false;

  constructor(
    readonly record: ConnectionRecord,
    private readonly store: ConnectionStore,
  ) {}

  /**
   * The process lookup started when the socket was accepted: its result lands on the record as
   * `client`. The record is announced as finished once it has, or after the lookup's `waitMs` with the
   * process "not known yet"; a later answer still lands on it and is announced (`onClientUpdated`).
   */
  attribute(pending: PendingClient): void {
    this.waitMs = pending.waitMs;
    this.holdMs = pending.holdMs;
    this.located = pending.located.then(() => {
      this.located = undefined;
    });
    this.client = pending.client.then(
      (client) => {
        const announced = this.record.finished;
        this.record.client = client;
        this.settled = true;
        if (announced) this.store.clientUpdated(this.record);
      },
      () => undefined,
    );
  }

  /**
   * Resolves once the client's socket has been found (what must be read while it is open has been read)
   * or the hold is over (at least `minHoldMs`, longer when locating sockets takes longer now), whichever is
   * first; undefined when there is nothing to wait for.
   */
  clientWait(minHoldMs: number): Promise<void> | undefined {
    return this.located && atMost(this.located, Math.max(minHoldMs, this.holdMs));
  }

  /** Resolves once the client's process is known (or given up on) or after `maxMs`; undefined when there is nothing to wait for. */
  processWait(maxMs: number): Promise<void> | undefined {
    return this.client && !this.settled ? atMost(this.client, maxMs) : undefined;
  }

  /** Resolves once the client is known or the wait is over; in that case the record says the lookup still runs. */
  private clientReady(): Promise<void> | undefined {
    if (!this.client || this.settled) return undefined;
    const waited = this.waitMs;
    return atMost(this.client, waited).then(() => {
      if (!this.settled) this.record.client = pendingClient(waited);
    });
  }

  elapsed(): number {
    return Math.round((performance.now() - this.start) * 1000) / 1000;
  }

  /** Stamps `event` (a new object, which the timeline keeps) with its time and publishes it. */
  add(event: NewEvent): void {
    if (this.record.finished || this.closing) return;
    // Stamped in place, not copied: an object spread of the timeline's many event shapes is a slow, generic copy.
    (event as { t?: number }).t = this.elapsed();
    const stamped = event as TimelineEvent;
    this.record.events.push(stamped);
    this.store.publish(this.record, stamped);
  }

  finish(bytesFromClient: number, bytesToClient: number): void {
    if (this.record.finished || this.closing) return;
    this.add({ kind: 'closed', bytesFromClient, bytesToClient });
    this.closing = true;
    // Judged with its process: a client that failed fast is usually attributed by now; the wait is bounded.
    this.store.finish(this.record, this.clientReady());
  }
}
