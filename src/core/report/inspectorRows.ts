/** Turns recorded connections into the inspector's rows and details (the protocol's shapes). */
import { getDomain } from 'tldts';
import { isIP } from 'node:net';
import type { ConnectionDetail, ConnectionRow, StripStep } from '../../shared/protocol';
import type { Verdict } from '../diagnosis/pinning';
import { eventLabels } from '../../shared/eventLabels';
import { findEvent, type TimelineEvent } from '../../shared/timelineEvents';
import { connectionTotals, targetHost, type ConnectionRecord } from '../timeline';

/** At most six steps: the handshake and what the client did next. */
export function stripSteps(events: readonly TimelineEvent[]): StripStep[] {
  const steps: StripStep[] = [];
  for (const event of events) {
    const label = eventLabels(event).strip;
    if (label === null) continue;
    if (event.kind === 'fin' && event.from === 'upstream') continue;
    if (event.kind === 'first-data' && event.from === 'upstream') continue;
    steps.push({ kind: event.kind, t: event.t, label });
    if (steps.length === 6) break;
  }
  return steps;
}

function registrableDomain(host: string): string {
  if (isIP(host) || host === 'localhost') return host;
  return getDomain(host, { allowPrivateDomains: true }) ?? host;
}

export function toConnectionRow(record: ConnectionRecord, verdict: Verdict | undefined): ConnectionRow {
  const sni = findEvent(record.events, 'client-hello')?.hello.sni ?? null;
  return {
    id: record.id,
    startedAt: record.startedAt,
    host: record.host,
    port: record.port,
    sni,
    mode: record.mode,
    finished: record.finished,
    category: verdict?.category ?? null,
    alert: verdict?.alert ?? null,
    pinning: verdict?.pinning ?? null,
    confirmed: verdict?.confirmed ?? false,
    ...connectionTotals(record),
    registrableDomain: registrableDomain(targetHost(record)),
    steps: stripSteps(record.events),
  };
}

export function toConnectionDetail(record: ConnectionRecord, verdict: Verdict | undefined): ConnectionDetail {
  return {
    id: record.id,
    reason: verdict?.reason ?? 'in progress',
    evidence: verdict?.evidence ?? [],
    events: record.events.map((event) => ({ ...event })),
  };
}
