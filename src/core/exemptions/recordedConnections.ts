/**
 * Reads the JSONL that `pinscope proxy --events` writes back into connection records. A recording may be
 * cut mid-line (the proxy was killed while writing) or edited by hand: bad lines are skipped and named,
 * the rest is used.
 */
import type { ConnectionLine } from '../report/connectionReport';
import type { EventKind, TimelineEvent } from '../../shared/timelineEvents';
import type { Mode } from '../../shared/vocabulary';
import { judgeConnection, noEvidence } from '../diagnosis/judgement';
import { hostName, type HostName } from '../hostNames';
import { MAX_LINE_CHARS, MAX_LINES, SkippedLines } from '../report/recordingBounds';
import { targetHost, type ConnectionRecord } from '../timeline';
import type { ConnectionClient, ProcessRecord, TrustSummary } from '../record/client';
import { isKnownEventKind, isObject, Malformed, readEvent, readProcessFields } from './recordedShape';

export class RecordingError extends Error {
  override name = 'RecordingError';
}

export interface RecordedConnections {
  readonly records: ConnectionRecord[];
  /** Lines that could not be used: `line N: why`. */
  readonly skipped: string[];
  /** Hosts a line says were confirmed by tunnelling (the session's confirmations, carried by the recording). */
  readonly confirmed: Set<HostName>;
}

const MODES: readonly Mode[] = ['intercept', 'tunnel', 'http'];

function isConnectionLine(value: Record<string, unknown>): value is Record<string, unknown> & ConnectionLine {
  return (
    typeof value['id'] === 'number' &&
    typeof value['host'] === 'string' &&
    typeof value['port'] === 'number' &&
    Array.isArray(value['events']) &&
    typeof value['startedAt'] === 'string' &&
    MODES.includes(value['mode'] as Mode)
  );
}

/** SANs are optional (older recordings have none); when present, a bounded list of names. */
const wellFormedSans = (sans: unknown): boolean =>
  sans === undefined || (Array.isArray(sans) && sans.length <= 100 && sans.every((n) => typeof n === 'string' && n.length <= 300));

/** What a record's fields must hold for the diagnosis to read it; undefined when they do. */
function malformedEvent(event: Record<string, unknown>): string | undefined {
  const strings = (...keys: string[]): string | undefined => keys.find((k) => typeof event[k] !== 'string');
  switch (event['kind']) {
    case 'client-hello': {
      const hello = event['hello'];
      if (
        !isObject(hello) ||
        !(hello['sni'] === null || typeof hello['sni'] === 'string') ||
        !Array.isArray(hello['alpn']) ||
        typeof hello['ja4'] !== 'string'
      )
        return 'a client-hello event without a well-formed hello';
      return undefined;
    }
    case 'upstream-tls': {
      const chain = event['chain'];
      if (
        !Array.isArray(chain) ||
        !chain.every((c) => isObject(c) && ['subject', 'issuer', 'validTo', 'pin'].every((k) => typeof c[k] === 'string'))
      )
        return 'an upstream-tls event without a well-formed chain';
      if (!chain.every((c: Record<string, unknown>) => wellFormedSans(c['sans'])))
        return 'an upstream-tls event whose chain has SANs that are not a list of names';
      return undefined;
    }
    case 'forged-certificate':
      return wellFormedSans(event['sans']) ? undefined : 'a forged-certificate event whose SANs are not a list of names';
    case 'upstream-failed':
      return strings('stage', 'reason') && 'an upstream-failed event without stage and reason';
    case 'client-alert':
      return strings('name') && 'a client-alert event without a name';
    case 'tls-error':
      return strings('reason') && 'a tls-error event without a reason';
    case 'not-tls':
      return strings('reason') && 'a not-tls event without a reason';
    case 'timeout':
      return strings('phase') && 'a timeout event without a phase';
    case 'first-data':
    case 'fin':
    case 'rst':
    case 'close-notify':
      return strings('from') && `a ${event.kind} event without its side`;
    default:
      return undefined;
  }
}

/** The `process` of a line (written since process attribution), its known fields only, when well-formed; older lines have none. */
function recordedProcess(value: unknown): ProcessRecord | undefined {
  const process = readProcessFields(value);
  if (process instanceof Malformed) return undefined;
  if (process.kind === 'local' && (process.pid === undefined || process.startTime === undefined)) return undefined;
  return process;
}

function recordedTrust(value: unknown): TrustSummary | null {
  if (!isObject(value) || !['yes', 'no', 'unknown'].includes(String(value['trustsCa']))) return null;
  if (!(value['gap'] === null || value['gap'] === 'ca-not-installed' || value['gap'] === 'app-own-trust-store')) return null;
  const evidence = value['evidence'];
  if (
    !Array.isArray(evidence) ||
    !evidence.every((e) => typeof e === 'string') ||
    !(value['fix'] === undefined || value['fix'] === null || typeof value['fix'] === 'string')
  )
    return null;
  const variables = Array.isArray(value['variables'])
    ? value['variables'].filter((v): v is Record<string, unknown> => isObject(v) && typeof v['name'] === 'string')
    : [];
  return {
    runtime: typeof value['runtime'] === 'string' ? (value['runtime'] as TrustSummary['runtime']) : 'unknown',
    runtimeLabel: typeof value['runtimeLabel'] === 'string' ? value['runtimeLabel'] : 'program',
    trustsCa: value['trustsCa'] as TrustSummary['trustsCa'],
    gap: value['gap'],
    startedByPinscope: typeof value['startedByPinscope'] === 'boolean' ? value['startedByPinscope'] : null,
    variables: variables.map((v) => ({
      name: String(v['name']),
      set: v['set'] === true,
      includesCa: typeof v['includesCa'] === 'boolean' ? v['includesCa'] : null,
    })),
    evidence,
    fix: typeof value['fix'] === 'string' ? value['fix'] : null,
  };
}

function recordedClient(line: Record<string, unknown>): ConnectionClient | undefined {
  const process = recordedProcess(line['process']);
  return process && { process, trust: process.kind === 'local' ? recordedTrust(line['trust']) : null };
}

/** A `connection-update` line (a connection's process identified after its line was written): its id and client. */
export function readClientUpdate(line: string): { readonly id: number; readonly client: ConnectionClient } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value['type'] !== 'connection-update' || typeof value['id'] !== 'number') return undefined;
  const client = recordedClient(value);
  return client && { id: value['id'], client };
}

/** Parses the lines; other line types are skipped silently, malformed ones are skipped and named. */
export function readRecordedConnections(text: string): RecordedConnections {
  const records: ConnectionRecord[] = [];
  const skipped = new SkippedLines();
  const confirmed = new Set<HostName>();
  let start = 0;
  for (let index = 0; start < text.length; index++) {
    const end = text.indexOf('\n', start) < 0 ? text.length : text.indexOf('\n', start);
    if (index === MAX_LINES) {
      skipped.stop(`line ${index + 1} and after: not read (a recording is read up to ${MAX_LINES} lines)`);
      break;
    }
    const skip = (why: string): void => skipped.add(`line ${index + 1}: ${why}`);
    if (end - start > MAX_LINE_CHARS) skip(`longer than ${MAX_LINE_CHARS / 1024 / 1024} MB: not a connection record`);
    else readLine(text.slice(start, end), skip, records, confirmed);
    start = end + 1;
  }
  return { records, skipped: skipped.summary(), confirmed };
}

function readLine(line: string, skip: (why: string) => void, records: ConnectionRecord[], confirmed: Set<HostName>): void {
  if (line.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return skip('not JSON (cut off while being written?)');
  }
  if (isObject(value) && value['type'] === 'connection-update') {
    // A connection whose process was identified after its line was written: the client it names now.
    const update = readClientUpdate(line);
    const updated = update && records.find((record) => record.id === update.id);
    if (updated) updated.client = update.client;
    return;
  }
  if (isObject(value) && value['type'] !== 'connection') return;
  if (!isObject(value) || !isConnectionLine(value)) return skip('not a Pinscope connection record');
  const startedAt = Date.parse(value.startedAt);
  if (Number.isNaN(startedAt)) return skip(`startedAt ${JSON.stringify(value.startedAt.slice(0, 40))} is not a time`);
  // Events of a kind this version does not know (a newer version's) are left out, as are non-events.
  const raw = (value.events as unknown[]).filter(
    (e): e is Record<string, unknown> & { kind: EventKind; t: number } =>
      isObject(e) && isKnownEventKind(e['kind']) && typeof e['t'] === 'number' && Number.isFinite(e['t']),
  );
  const bad = raw.map(malformedEvent).find((why) => why !== undefined);
  if (bad) return skip(bad);
  // Each event keeps its known fields only: an unknown one, however large or deep, is dropped unread.
  const events: TimelineEvent[] = [];
  for (const event of raw) {
    const read = readEvent(event);
    if (read instanceof Malformed)
      return skip(`${/^[aeiou]/.test(event.kind) ? 'an' : 'a'} ${event.kind} event whose ${read.path} is not what a recording holds`);
    events.push(read);
  }
  const client = recordedClient(value);
  const record: ConnectionRecord = {
    id: value.id,
    startedAt,
    host: hostName(value.host),
    port: value.port,
    mode: value.mode,
    events,
    finished: true,
    ...(client ? { client } : {}),
  };
  try {
    judgeConnection(record, noEvidence());
  } catch (error) {
    return skip(`cannot be judged (${error instanceof Error ? error.message : String(error)})`);
  }
  records.push(record);
  if ((value as Record<string, unknown>)['confirmed'] === true) confirmed.add(targetHost(record));
}

/** The records only; throws a RecordingError naming the first bad line (for callers that want all or nothing). */
export function parseRecordedConnections(text: string): ConnectionRecord[] {
  const { records, skipped } = readRecordedConnections(text);
  if (skipped[0] !== undefined) throw new RecordingError(skipped[0]);
  return records;
}
