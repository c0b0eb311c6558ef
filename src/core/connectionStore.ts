/** Keeps the most recent connections (a bounded store) and publishes their events live to subscribers. */
import { performance } from 'node:perf_hooks';
import type { TimelineEvent } from '../shared/timelineEvents';
import { DEFAULT_MAX_CONNECTIONS_KEPT, type Mode } from '../shared/vocabulary';
import type { ConnectionRecord, NewEvent } from './timeline';
import type { PendingClient } from './process/connectionClients';

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
  private readonly records = new Map<number, ConnectionRecord>();
  private nextId = 1;
  private droppedCount = 0;

  constructor(private capacityValue = DEFAULT_MAX_CONNECTIONS_KEPT, onListenerError?: (error: unknown) => void) {
    this.onEvent = new Channel(onListenerError);
    this.onFinished = new Channel(onListenerError);
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
  open(host: string, port: number, mode: Mode): ConnectionRecorder {
    const record: ConnectionRecord = { id: this.nextId++, startedAt: Date.now(), host, port, mode, events: [], finished: false };
    this.records.set(record.id, record);
    this.evict();
    return new ConnectionRecorder(record, this);
  }

  /** @internal used by ConnectionRecorder */
  publish(record: ConnectionRecord, event: TimelineEvent): void {
    this.onEvent.emit({ record, event });
  }

  /** @internal used by ConnectionRecorder */
  finish(record: ConnectionRecord): void {
    this.onFinished.emit(record);
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

export class ConnectionRecorder {
  private readonly start = performance.now();
  private identity: Promise<unknown> | undefined;
  private identityKnown = false;
  private client: Promise<void> | undefined;
  private closing = false;

  constructor(readonly record: ConnectionRecord, private readonly store: ConnectionStore) {}

  /**
   * The process lookup started when the socket was accepted: its result lands on the record as
   * `client`, and the record is announced as finished only once it has (the lookup is bounded).
   */
  attribute(pending: PendingClient): void {
    this.identity = pending.identified.then(() => { this.identityKnown = true; });
    this.client = pending.client.then((client) => { this.record.client = client; }, () => undefined);
  }

  /**
   * Resolves once the process is identified or `holdMs` passed, whichever is first; undefined when there
   * is nothing to wait for (identified already, or no lookup).
   */
  identityWait(holdMs: number): Promise<void> | undefined {
    if (!this.identity || this.identityKnown) return undefined;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.identity, new Promise<void>((resolve) => { timer = setTimeout(resolve, holdMs); })]).then(() => clearTimeout(timer));
  }

  elapsed(): number {
    return Math.round((performance.now() - this.start) * 1000) / 1000;
  }

  add(event: NewEvent): void {
    if (this.record.finished || this.closing) return;
    const stamped = { ...event, t: this.elapsed() } as TimelineEvent;
    this.record.events.push(stamped);
    this.store.publish(this.record, stamped);
  }

  finish(bytesFromClient: number, bytesToClient: number): void {
    if (this.record.finished || this.closing) return;
    this.add({ kind: 'closed', bytesFromClient, bytesToClient });
    this.closing = true;
    const done = (): void => {
      this.record.finished = true;
      this.store.finish(this.record);
    };
    // Judged with its process: a client that failed fast is usually attributed by now; the lookup is bounded.
    if (this.client && this.record.client === undefined) void this.client.then(done);
    else done();
  }
}
