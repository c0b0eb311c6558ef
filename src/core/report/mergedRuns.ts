/**
 * Many recordings, one view: every run (a recording, or each `proxy` header in a concatenated one) is
 * judged alone by the judgement (`judgeAll`, `summariseHosts`), then the runs are folded per host by the
 * ladder (runLadder.ts). Input is streamed line by line. Within a run, connections that the judgement
 * cannot tell apart — same host, port, mode, process (and its trust) and the same sequence of events —
 * are one *kind*, kept once with a count: the judgement of a record reads only its own events and the
 * sets of hosts each client worked or broke at, and kinds keep both. So memory is
 * O(hosts × runs) for the merged state, plus the distinct kinds of the one run being read — never
 * O(connections). Lines of a kind already seen are counted without being parsed. The same run read
 * twice (the same file named twice, a copy, a shorter copy) counts once: a run is known by its proxy line.
 */
import { createHash, type Hash } from 'node:crypto';
import { judgeAll, summariseHosts, type HostSummary, type JudgedConnection } from '../diagnosis/hostSummary';
import { readClientUpdate, readRecordedConnections } from '../exemptions/recordedConnections';
import { processKeyOf, type ConnectionClient } from '../record/client';
import { targetHost, type ConnectionRecord } from '../timeline';
import { BREAKAGE, CATEGORIES, type Category } from '../../shared/vocabulary';
import type { TimelineEvent } from '../../shared/timelineEvents';
import type { HostName } from '../hostNames';
import {
  evidenceLevel,
  EVIDENCE_LADDER,
  mergeHostRuns,
  runOutcome,
  type MergedHostVerdict,
  type RunHostVerdict,
  type RunIdentity,
} from './runLadder';

/** One recording to merge, read as it streams (files, folders and stdin are read in core/io/recordingInputs.ts). */
export interface RecordingInput {
  readonly name: string;
  lines(): AsyncIterable<readonly string[]>;
}

/** At most this many skipped lines are named per recording (the rest are counted). */
const SKIPPED_NAMED = 20;
/**
 * What differs between two lines of the same kind of connection and that no judgement reads: ids, times,
 * durations, byte counts, the client's ephemeral address. Our JSON escapes quotes inside strings, so these
 * keys can only be the line's own fields.
 */
const VOLATILE =
  /"(?:id|t|durationMs|bytesFromClient|bytesToClient|bytes)":-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?=[,}\]])|"(?:startedAt|remote)":"[^"\\]*"/g;
const STARTED_AT = /"startedAt":"([^"]{1,40})"/;
const LINE_ID = /^\{"type":"connection","id":(\d+)[,}]/;
/** A policy reason that says the proxy tunnelled a host to confirm it (confirmation.ts), not by the user's choice. */
const CONFIRMING = /^confirming by tunnelling/;

/** A judged connection standing for `count` connections of its run like it. */
interface WeightedConnection {
  readonly judged: JudgedConnection;
  readonly count: number;
}

export interface MergedHost extends MergedHostVerdict {
  /** One connection per category over all runs (the strongest breaking one), weighted: what the evidence report shows. */
  readonly representatives: readonly WeightedConnection[];
}

export interface MergedRuns {
  readonly runs: readonly RunIdentity[];
  readonly hosts: readonly MergedHost[];
  readonly connections: number;
  /** `source line N: why` for lines that could not be used (at most SKIPPED_NAMED per recording). */
  readonly skipped: readonly string[];
  readonly skippedCount: number;
  /** Runs read more than once, counted once. */
  readonly duplicates: readonly string[];
}

interface ConnectionKind {
  latest: ConnectionRecord;
  count: number;
  firstSeen: number;
  lastSeen: number;
  readonly tunnelledByChoice: boolean;
}

interface RunHeader {
  readonly startedAt: string | null;
  readonly machine: string | null;
}

/** What the judgement can tell apart about an event: its kind and the short fields that change a category. */
function eventShape(event: TimelineEvent): string {
  switch (event.kind) {
    case 'client-alert':
      return `alert:${event.name}`;
    case 'timeout':
      return `timeout:${event.phase}`;
    case 'upstream-failed':
      return `upstream-failed:${event.stage}`;
    case 'first-data':
    case 'fin':
    case 'rst':
    case 'close-notify':
      return `${event.kind}:${event.from}`;
    case 'policy':
      return `policy:${event.mode}:${CONFIRMING.test(event.reason) ? 'confirming' : 'chosen'}`;
    case 'tls-error':
      return `tls-error:${event.reason.slice(0, 80)}`;
    // A resumed handshake carries no chain: kept apart, so the chain a report shows is never hidden behind one.
    case 'upstream-tls':
      return `upstream-tls:${event.resumed === true ? 'resumed' : 'full'}`;
    case 'client-hello':
      return `hello:${event.hello.sni ?? ''}:${event.hello.ja4}`;
    default:
      return event.kind;
  }
}

function kindKey(record: ConnectionRecord): string {
  const process = record.client?.process;
  const who = process ? (processKeyOf(process) ?? `${process.kind}:${process.label}:${process.address ?? ''}`) : '';
  const trust = record.client?.trust ? JSON.stringify(record.client.trust) : '';
  return JSON.stringify([targetHost(record), record.port, record.mode, who, trust, record.events.map(eventShape)]);
}

const isTunnelledByChoice = (record: ConnectionRecord): boolean =>
  record.mode === 'tunnel' && record.events.some((e) => e.kind === 'policy' && !CONFIRMING.test(e.reason));

function header(line: string): RunHeader | undefined {
  if (!line.startsWith('{"type":"proxy"')) return undefined;
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    return {
      startedAt: typeof value['startedAt'] === 'string' ? value['startedAt'].slice(0, 40) : null,
      machine: typeof value['machine'] === 'string' ? value['machine'].slice(0, 100) : null,
    };
  } catch {
    return undefined;
  }
}

/**
 * One run being read: its kinds of connection, the hosts the live judgement confirmed, and its identity
 * (its proxy line, which names the run to the millisecond; a run without one, all its lines).
 */
class RunReader {
  readonly kinds = new Map<string, ConnectionKind>();
  /** Lines already read, without their volatile fields → their kind: most lines are not parsed at all. */
  private readonly byText = new Map<string, ConnectionKind>();
  readonly confirmed = new Set<HostName>();
  readonly hash: Hash = createHash('sha256');
  connections = 0;
  /** Each connection's kind by its id, so that a late `connection-update` line can move it (O(connections of one run)). */
  private readonly kindById = new Map<number, ConnectionKind>();

  constructor(
    readonly header: RunHeader | null,
    headerLine?: string,
  ) {
    if (headerLine !== undefined) this.hash.update(headerLine);
  }

  /**
   * Counts a line whose kind is already known (by its `stable` text); false when it must be parsed. Its
   * volatile fields are checked as the reader would (a time that is not one makes the line parsed, and
   * so skipped and named).
   */
  addKnown(line: string, stable: string): boolean {
    const kind = this.byText.get(stable);
    if (!kind) return false;
    const startedAt = Date.parse(STARTED_AT.exec(line)?.[1] ?? '');
    if (Number.isNaN(startedAt)) return false;
    if (this.header === null) this.hash.update(`${line}\n`);
    const id = LINE_ID.exec(line)?.[1];
    if (id !== undefined) this.kindById.set(Number(id), kind);
    kind.count += 1;
    this.connections += 1;
    kind.firstSeen = Math.min(kind.firstSeen, startedAt);
    kind.lastSeen = Math.max(kind.lastSeen, startedAt);
    return true;
  }

  /** Adds a record; `line` and `stable` are its JSONL text when it was read from one. */
  add(record: ConnectionRecord, line?: string, stable?: string): void {
    if (this.header === null) this.hash.update(`${line ?? JSON.stringify([record.id, record.startedAt, targetHost(record)])}\n`);
    this.connections += 1;
    // The line's own verdict says whether the live session confirmed the host by tunnelling; the record
    // alone cannot (the confirmation lived in the session). Our JSON escapes quotes inside strings, so
    // this key can only be the line's own field.
    if (line?.includes('"confirmed":true')) this.confirmed.add(targetHost(record));
    const key = kindKey(record);
    const kind = this.kinds.get(key);
    if (kind) {
      kind.count += 1;
      if (record.startedAt >= kind.latest.startedAt) kind.latest = record;
      kind.firstSeen = Math.min(kind.firstSeen, record.startedAt);
      kind.lastSeen = Math.max(kind.lastSeen, record.startedAt);
      if (stable !== undefined) this.byText.set(stable, kind);
      this.kindById.set(record.id, kind);
    } else {
      const added = {
        latest: record,
        count: 1,
        firstSeen: record.startedAt,
        lastSeen: record.startedAt,
        tunnelledByChoice: isTunnelledByChoice(record),
      };
      this.kinds.set(key, added);
      if (stable !== undefined) this.byText.set(stable, added);
      this.kindById.set(record.id, added);
    }
  }

  /** A connection's process was identified after its line was written: it moves to the kind its client makes. */
  update(id: number, client: ConnectionClient): void {
    const kind = this.kindById.get(id);
    if (!kind) return;
    kind.count -= 1;
    this.connections -= 1;
    if (kind.count === 0) {
      this.kinds.delete(kindKey(kind.latest));
      for (const [text, known] of this.byText) if (known === kind) this.byText.delete(text);
    }
    this.add({ ...kind.latest, id, client });
  }
}

interface HostInRun {
  readonly verdict: RunHostVerdict;
  readonly representatives: WeightedConnection[];
}

/** The judgement over one run's kinds, weighted by their counts, per host. */
function judgeRun(reader: RunReader, run: RunIdentity): HostInRun[] {
  const kinds = [...reader.kinds.values()];
  const kindOf = new Map(kinds.map((k) => [k.latest, k]));
  // judgeAll leaves out connections still open (their acceptances still count): kinds are found by record.
  const judged = judgeAll(
    kinds.map((k) => k.latest),
    reader.confirmed,
  );
  const byHost = new Map<string, { kinds: ConnectionKind[]; judged: JudgedConnection[] }>();
  judged.forEach((item) => {
    const kind = kindOf.get(item.record);
    if (!kind) return;
    const host = targetHost(item.record);
    const entry = byHost.get(host) ?? { kinds: [], judged: [] };
    entry.kinds.push(kind);
    entry.judged.push(item);
    byHost.set(host, entry);
  });
  return summariseHosts(judged).map((summary) => {
    const entry = byHost.get(summary.host) ?? { kinds: [], judged: [] };
    const categories: Partial<Record<Category, number>> = {};
    entry.judged.forEach((item, index) => {
      categories[item.verdict.category] = (categories[item.verdict.category] ?? 0) + (entry.kinds[index]?.count ?? 0);
    });
    const weighted: HostSummary = {
      ...summary,
      connections: entry.kinds.reduce((n, k) => n + k.count, 0),
      categories: Object.fromEntries(CATEGORIES.filter((c) => categories[c]).map((c) => [c, categories[c]])),
      firstSeen: Math.min(...entry.kinds.map((k) => k.firstSeen)),
      lastSeen: Math.max(...entry.kinds.map((k) => k.lastSeen)),
    };
    const tunnelledByChoiceOnly = entry.kinds.length > 0 && entry.kinds.every((k) => k.tunnelledByChoice);
    return {
      verdict: { run, summary: weighted, outcome: runOutcome(weighted, tunnelledByChoiceOnly) },
      representatives: representativesOf(entry.judged, entry.kinds),
    };
  });
}

/**
 * One connection per category (the strongest breaking one by the ladder, else the latest), weighted by how
 * many connections of the run had that category: what the evidence report shows, with the right counts.
 */
const rankOf = (item: JudgedConnection): number =>
  EVIDENCE_LADDER.indexOf(evidenceLevel({ breaks: true, pinning: item.verdict.pinning, confirmed: item.verdict.confirmed }));

/** Adds `count` connections like `item` to the host's representatives: one per category, the strongest breaking one by the ladder, else the latest. */
function addRepresentative(byCategory: Map<Category, WeightedConnection>, item: JudgedConnection, count: number): void {
  const current = byCategory.get(item.verdict.category);
  const better =
    !current ||
    (BREAKAGE.has(item.verdict.category)
      ? rankOf(item) > rankOf(current.judged)
      : item.record.startedAt >= current.judged.record.startedAt);
  byCategory.set(item.verdict.category, { judged: better ? item : current.judged, count: (current?.count ?? 0) + count });
}

/** One connection per category of the run, weighted by how many of the run's connections it stands for. */
function representativesOf(judged: readonly JudgedConnection[], kinds: readonly ConnectionKind[]): WeightedConnection[] {
  const byCategory = new Map<Category, WeightedConnection>();
  judged.forEach((item, index) => addRepresentative(byCategory, item, kinds[index]?.count ?? 0));
  return [...byCategory.values()];
}

/** Runs folded one by one into the merged view; a run read twice counts once. */
class RunMerger {
  private readonly runs: RunIdentity[] = [];
  private readonly runIds = new Map<string, string>();
  // Per host: its verdict in each run, and one connection per category over all runs (O(hosts × runs) in all).
  private readonly perHost = new Map<string, { verdicts: RunHostVerdict[]; representatives: Map<Category, WeightedConnection> }>();
  readonly skipped: string[] = [];
  private readonly duplicates: string[] = [];
  skippedCount = 0;
  private connections = 0;

  finish(reader: RunReader, source: string): void {
    const { runs, runIds, perHost, duplicates } = this;
    if (reader.connections === 0) return;
    const id = reader.hash.digest('hex').slice(0, 12);
    const startedAt = reader.header?.startedAt ?? new Date(Math.min(...[...reader.kinds.values()].map((k) => k.firstSeen))).toISOString();
    const earlier = runIds.get(id);
    if (earlier !== undefined) {
      duplicates.push(`${source}: the run of ${startedAt} was already read from ${earlier}; counted once`);
      return;
    }
    runIds.set(id, source);
    const run: RunIdentity = { id, source, startedAt, machine: reader.header?.machine ?? null };
    runs.push(run);
    this.connections += reader.connections;
    for (const item of judgeRun(reader, run)) {
      const entry = perHost.get(item.verdict.summary.host) ?? { verdicts: [], representatives: new Map<Category, WeightedConnection>() };
      entry.verdicts.push(item.verdict);
      for (const r of item.representatives) addRepresentative(entry.representatives, r.judged, r.count);
      perHost.set(item.verdict.summary.host, entry);
    }
  }

  result(): MergedRuns {
    const hosts = [...this.perHost.values()].map((entry): MergedHost => ({
      ...mergeHostRuns(entry.verdicts),
      representatives: [...entry.representatives.values()],
    }));
    return {
      runs: this.runs,
      hosts,
      connections: this.connections,
      skipped: this.skipped,
      skippedCount: this.skippedCount,
      duplicates: this.duplicates,
    };
  }
}

/**
 * One run held in memory (the live session, a recording already read): the same fold as recordings read
 * from files, so that one request road serves both. `confirmed` are the hosts the session confirmed by tunnelling.
 */
export function mergeRecords(
  records: readonly ConnectionRecord[],
  confirmed: Iterable<HostName> = [],
  source = 'this session',
): MergedRuns {
  const merger = new RunMerger();
  const reader = new RunReader(null);
  for (const record of records) reader.add(record);
  for (const host of confirmed) reader.confirmed.add(host);
  merger.finish(reader, source);
  return merger.result();
}

/** Reads every input, line by line, and merges the runs in them per host. */
export async function mergeRecordings(inputs: readonly RecordingInput[]): Promise<MergedRuns> {
  const merger = new RunMerger();
  for (const input of inputs) {
    let reader = new RunReader(null);
    let lineNumber = 0;
    let skippedHere = 0;
    for await (const batch of input.lines()) {
      for (const line of batch) {
        lineNumber += 1;
        if (line.trim() === '') continue;
        const runHeader = header(line);
        if (runHeader) {
          merger.finish(reader, input.name);
          reader = new RunReader(runHeader, line);
          continue;
        }
        if (line.startsWith('{"type":"connection-update"')) {
          const update = readClientUpdate(line);
          if (update) reader.update(update.id, update.client);
          continue;
        }
        const stable = line.replace(VOLATILE, '');
        if (reader.addKnown(line, stable)) continue;
        const read = readRecordedConnections(line);
        const [record] = read.records;
        if (record) {
          reader.add(record, line, stable);
        } else if (read.skipped[0] !== undefined) {
          merger.skippedCount += 1;
          skippedHere += 1;
          if (skippedHere <= SKIPPED_NAMED)
            merger.skipped.push(`${input.name} ${read.skipped[0].replace(/^line 1:/, `line ${lineNumber}:`)}`);
        }
      }
    }
    merger.finish(reader, input.name);
  }
  return merger.result();
}
