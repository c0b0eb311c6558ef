/** Turns recorded connections into the inspector's rows and details (the protocol's shapes). */
import { clientName, type ConnectionClient } from '../record/client';
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
    ...(record.client ? { app: clientName(record.client) ?? record.client.process.label } : {}),
    steps: stripSteps(record.events),
  };
}

export function toConnectionDetail(record: ConnectionRecord, verdict: Verdict | undefined): ConnectionDetail {
  return {
    id: record.id,
    reason: verdict?.reason ?? 'in progress',
    evidence: verdict?.evidence ?? [],
    events: record.events.map((event) => ({ ...event })),
    ...(record.client ? { process: processLines(record.client) } : {}),
  };
}

/** The process and its trust, in lines for the detail pane (the command is redacted; no environment). */
function processLines({ process, trust }: ConnectionClient): string[] {
  const lines = [process.label];
  if (process.kind === 'local') {
    lines.push(`pid ${process.pid ?? '?'}${process.path ? ` · ${process.path}` : ''}`);
    if (process.command) lines.push(`command: ${process.command}`);
  } else if (process.reason) lines.push(process.reason);
  if (trust) {
    lines.push(
      `${trust.runtimeLabel}: trusts the Pinscope CA: ${trust.trustsCa}${trust.gap ? ` (${trust.gap})` : ''}${trust.startedByPinscope === true ? ' · started by Pinscope' : trust.startedByPinscope === false ? ' · not started by Pinscope' : ''}`,
    );
    // The variables it was started with; only when none is set do the unset ones matter (where to set one).
    const set = trust.variables.filter((v) => v.set);
    const variables = (set.length > 0 ? set : trust.variables).map(
      (v) =>
        `${v.name} ${v.set ? (v.includesCa === true ? 'set, includes the CA' : v.includesCa === false ? 'set, lacks the CA' : 'set') : 'not set'}`,
    );
    if (variables.length > 0) lines.push(variables.join(' · '));
    lines.push(...trust.evidence);
    if (trust.fix) lines.push(`Fix: ${trust.fix}`);
  }
  // The label and an evidence line may say the same thing: each once.
  return [...new Set(lines)];
}
