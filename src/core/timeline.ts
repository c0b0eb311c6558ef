/**
 * One connection's record: its target, its mode and its timeline, and the questions every layer asks
 * of it. The events themselves (`TimelineEvent`) and the words for them are defined once in
 * src/shared (timelineEvents.ts, vocabulary.ts), because the CLI's output and the webview carry them too.
 */
import { findEvent, type ClientHelloSummary, type EventKind, type TimelineEvent } from '../shared/timelineEvents';
import type { Mode } from '../shared/vocabulary';
import { hostName, usableSni, type HostName } from './hostNames';
import type { ConnectionClient } from './record/client';

// upstream.ts imports these two from here; the folder move points it at src/shared.
export type { CertificateSummary, UpstreamFailureStage } from '../shared/timelineEvents';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type NewEvent = DistributiveOmit<TimelineEvent, 't'>;

export interface ConnectionRecord {
  readonly id: number;
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number;
  /** The CONNECT target's (or a plain-HTTP request's) host, in normal form. */
  host: HostName;
  port: number;
  mode: Mode;
  readonly events: TimelineEvent[];
  finished: boolean;
  /** The process that made it (and whether it trusts the CA), once attributed; absent when attribution is off or in older recordings. */
  client?: ConnectionClient;
}

/**
 * The host a connection was for, in normal form: the SNI when the client sent a well-formed one (the
 * timeline keeps it as sent; this is where it becomes a `HostName`), else the CONNECT target.
 */
export function targetHost(record: Pick<ConnectionRecord, 'host' | 'events'>): HostName {
  const hello = findEvent(record.events, 'client-hello')?.hello;
  if (!hello) return record.host;
  let host = SNI_HOSTS.get(hello);
  if (host === undefined) {
    const sni = usableSni(hello.sni ?? null);
    host = sni === null ? null : hostName(sni);
    SNI_HOSTS.set(hello, host);
  }
  return host ?? record.host;
}

/** Each hello's SNI as a `HostName` (null: none usable), checked once: a connection's host is asked for again and again. */
const SNI_HOSTS = new WeakMap<ClientHelloSummary, HostName | null>();

/** Duration and bytes each way of a connection (so far, while it is still open). */
export function connectionTotals(record: Pick<ConnectionRecord, 'events'>): {
  durationMs: number;
  bytesFromClient: number;
  bytesToClient: number;
} {
  const closed = findEvent(record.events, 'closed');
  return {
    durationMs: closed?.t ?? record.events.at(-1)?.t ?? 0,
    bytesFromClient: closed?.bytesFromClient ?? 0,
    bytesToClient: closed?.bytesToClient ?? 0,
  };
}

export function hasEvent(events: readonly TimelineEvent[], kind: EventKind): boolean {
  return events.some((e) => e.kind === kind);
}

/**
 * Whether the client sent application data: intercepted, its first decrypted bytes; through a tunnel, its
 * first application-data record after its handshake (the relay reads the record headers), so a tunnelled
 * client that rejects the real server's certificate too has sent none.
 */
export function clientSentData(events: readonly TimelineEvent[]): boolean {
  return events.some((e) => e.kind === 'first-data' && e.from === 'client');
}
