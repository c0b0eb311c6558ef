/**
 * A recording opened for reading: the JSONL that `pinscope proxy --events`, `pinscope run --events` and
 * the extension's Save Recording write, as a read-only session. Its connections are judged by the one
 * judgement the live session's summary and `pinscope export --from` use (`judgeAll`), with the
 * confirmations by tunnelling the recording carries. Lines that cannot be used (cut off, from another
 * version, edited) are skipped and named; nothing throws.
 */
import type { LiveHostState } from './diagnosis/diagnosis';
import { judgeAll, summariseHosts, type HostSummary } from './diagnosis/hostSummary';
import type { Verdict } from './diagnosis/pinning';
import { readRecordedConnections } from './exemptions/recordedConnections';
import type { SessionView } from './diagnosis/sessionView';
import type { ConnectionRecord } from './timeline';
import { DEFAULT_MAX_CONNECTIONS_KEPT } from '../shared/vocabulary';

/**
 * A recording read and judged, as plain data: what a worker thread hands back (structured clone keeps
 * it whole), so that reading and judging a large recording never runs on the thread of the proxy.
 */
export interface RecordingContents {
  readonly records: readonly ConnectionRecord[];
  readonly verdicts: readonly (readonly [number, Verdict])[];
  readonly summaries: readonly HostSummary[];
  readonly skipped: readonly string[];
  readonly connectionsDropped: number;
  readonly maxConnectionsKept: number;
}

/** Reads and judges a recording's text; `maxConnectionsKept` bounds what is kept (the newest). */
export function readRecording(text: string, maxConnectionsKept = DEFAULT_MAX_CONNECTIONS_KEPT): RecordingContents {
  const { records, skipped, confirmed } = readRecordedConnections(text);
  // Concatenated recordings repeat ids: number them again, in order, so each row stays its own.
  const unique = new Set(records.map((r) => r.id)).size === records.length;
  const ordered = unique ? records : records.map((record, index) => ({ ...record, id: index + 1 }));
  const kept = ordered.slice(-maxConnectionsKept);
  const judged = judgeAll(kept, confirmed);
  return {
    records: kept,
    verdicts: judged.map(({ record, verdict }) => [record.id, verdict] as const),
    summaries: summariseHosts(judged),
    skipped,
    connectionsDropped: ordered.length - kept.length,
    maxConnectionsKept,
  };
}

export class Recording implements SessionView {
  private readonly byId = new Map<number, ConnectionRecord>();
  private readonly verdicts: ReadonlyMap<number, Verdict>;
  private readonly kept: readonly ConnectionRecord[];
  private readonly summaries: readonly HostSummary[];
  readonly skipped: readonly string[];
  readonly connectionsDropped: number;
  readonly maxConnectionsKept: number;

  /** A recording already read and judged (in a worker thread, or by `read`): building it costs a map. */
  constructor(contents: RecordingContents) {
    this.kept = contents.records;
    for (const record of this.kept) this.byId.set(record.id, record);
    this.verdicts = new Map(contents.verdicts);
    this.summaries = contents.summaries;
    this.skipped = contents.skipped;
    this.connectionsDropped = contents.connectionsDropped;
    this.maxConnectionsKept = contents.maxConnectionsKept;
  }

  /** Reads a recording's text here, on this thread; `maxConnectionsKept` bounds what is kept (the newest). */
  static read(text: string, maxConnectionsKept = DEFAULT_MAX_CONNECTIONS_KEPT): Recording {
    return new Recording(readRecording(text, maxConnectionsKept));
  }

  records(): ConnectionRecord[] {
    return [...this.kept];
  }

  record(id: number): ConnectionRecord | undefined {
    return this.byId.get(id);
  }

  verdictOf(id: number): Verdict | undefined {
    return this.verdicts.get(id);
  }

  hosts(): HostSummary[] {
    return [...this.summaries];
  }

  liveHosts(): LiveHostState[] {
    return this.summaries.map(({ host, breaks, pinning }) => ({ host, breaks, pinning }));
  }
}
