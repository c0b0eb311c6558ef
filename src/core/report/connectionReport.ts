/** The JSON line written for each finished connection (`pinscope proxy --events`), and the human line. */
import { findEvent, type TimelineEvent } from '../../shared/timelineEvents';
import { BREAKAGE } from '../../shared/vocabulary';
import type { Verdict } from '../diagnosis/pinning';
import { usableSni } from '../hostNames';
import { visibleControlCharacters } from './textEscaping';
import { connectionTotals, type ConnectionRecord } from '../timeline';
import { clientName, type ProcessRecord, type TrustSummary } from '../record/client';
import type { BreakageCause, RungId } from '../diagnosis/ladder';

export interface ConnectionLine {
  readonly type: 'connection';
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly sni: string | null;
  readonly mode: ConnectionRecord['mode'];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly category: Verdict['category'];
  readonly alert: string | null;
  readonly reason: string;
  readonly pinning: Verdict['pinning'];
  readonly confirmed: boolean;
  readonly evidence: readonly string[];
  readonly ja4: string | null;
  /** The process that made it (redacted command, never its environment); null when attribution is off. */
  readonly process: ProcessRecord | null;
  /** Whether that process trusts the CA, and why not; null for remote, unknown or unattributed clients. */
  readonly trust: TrustSummary | null;
  /** The rung of the evidence ladder the verdict stands on (docs/judgement.md); absent in older recordings. */
  readonly rung?: RungId;
  /** The cause the verdict names; absent in older recordings. */
  readonly cause?: BreakageCause;
  readonly fix?: string | null;
  /** Confirmed by tunnelling: it breaks only under inspection (not by itself a pin). */
  readonly breaksOnlyUnderInspection?: boolean;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  readonly events: readonly TimelineEvent[];
}

export function toConnectionLine(record: ConnectionRecord, verdict: Verdict): ConnectionLine {
  const hello = findEvent(record.events, 'client-hello')?.hello;
  return {
    type: 'connection',
    id: record.id,
    host: record.host,
    port: record.port,
    sni: hello?.sni ?? null,
    mode: record.mode,
    startedAt: new Date(record.startedAt).toISOString(),
    category: verdict.category,
    alert: verdict.alert,
    reason: verdict.reason,
    pinning: verdict.pinning,
    confirmed: verdict.confirmed,
    evidence: verdict.evidence,
    ja4: hello?.ja4 ?? null,
    process: record.client?.process ?? null,
    trust: record.client?.trust ?? null,
    rung: verdict.rung,
    cause: verdict.cause,
    fix: verdict.fix,
    breaksOnlyUnderInspection: verdict.confirmed,
    ...connectionTotals(record),
    events: record.events,
  };
}

/** Terminal-safe text: control characters from the network are shown as escapes, never interpreted. */
export function terminalSafe(text: string): string {
  return visibleControlCharacters(text);
}

export function humanLine(line: ConnectionLine, colour: boolean): string {
  const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const time = line.startedAt.slice(11, 19);
  const target = terminalSafe(`${usableSni(line.sni) ?? line.host}:${line.port}`);
  const breaks = BREAKAGE.has(line.category);
  const mark = !breaks
    ? line.category === 'upstream-failed'
      ? paint(35, 'ERR')
      : paint(32, 'ok ')
    : line.pinning === 'likely'
      ? paint(31, 'PIN')
      : paint(33, 'BRK');
  const alert = line.alert ? ` (${line.alert})` : '';
  const pin = breaks
    ? ` pinning ${line.pinning}${line.confirmed ? ' (confirmed)' : ''}`
    : line.category === 'upstream-failed'
      ? `: ${terminalSafe(line.reason)}`
      : '';
  const cause = breaks && line.cause && line.cause !== 'pinning' ? ` [${line.cause}]` : '';
  const rung = breaks && line.rung ? ` (${line.rung})` : '';
  const app = line.process ? ` ${terminalSafe(clientName({ process: line.process, trust: line.trust }) ?? line.process.label)}` : '';
  return `${time} ${mark} #${line.id}${app} ${target} ${line.mode} ${line.category}${alert}${pin}${cause}${rung} ${Math.round(line.durationMs)} ms`;
}
