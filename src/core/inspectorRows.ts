/** Turns recorded connections into the inspector's rows and details (the protocol's shapes). */
import { getDomain } from 'tldts';
import { isIP } from 'node:net';
import type { ConnectionDetail, ConnectionRow, StripStep } from '../shared/protocol';
import type { Verdict } from './pinning';
import { connectionTotals, findEvent, targetHost, type ConnectionRecord, type TimelineEvent } from './timeline';

const STRIP_KINDS = new Set(['client-hello', 'forged-certificate', 'handshake-complete', 'client-alert', 'tls-error', 'first-data', 'close-notify', 'fin', 'rst', 'timeout', 'not-tls', 'upstream-failed']);

function stepLabel(event: TimelineEvent): string {
  switch (event.kind) {
    case 'client-hello': return 'ClientHello';
    case 'forged-certificate': return 'our cert';
    case 'handshake-complete': return 'handshake';
    case 'client-alert': return `alert ${event.name}`;
    case 'tls-error': return 'TLS error';
    case 'first-data': return event.from === 'client' ? 'data' : 'data ↓';
    case 'close-notify': return 'close_notify';
    case 'fin': return event.from === 'client' ? 'FIN' : 'FIN ↓';
    case 'rst': return 'RST';
    case 'timeout': return 'silence';
    case 'not-tls': return 'not TLS';
    case 'upstream-failed': return 'upstream failed';
    default: return event.kind;
  }
}

/** At most six steps: the handshake and what the client did next. */
export function stripSteps(events: readonly TimelineEvent[]): StripStep[] {
  const steps: StripStep[] = [];
  for (const event of events) {
    if (!STRIP_KINDS.has(event.kind)) continue;
    if (event.kind === 'fin' && event.from === 'upstream') continue;
    if (event.kind === 'first-data' && event.from === 'upstream') continue;
    steps.push({ kind: event.kind, t: event.t, label: stepLabel(event) });
    if (steps.length === 6) break;
  }
  return steps;
}

export function registrableDomain(host: string): string {
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
