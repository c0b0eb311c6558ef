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

/** The newest this many connections are shown; the rest are counted as dropped (a live session keeps as many). */
const DEFAULT_KEPT = 10_000;

export class Recording implements SessionView {
  private readonly byId = new Map<number, ConnectionRecord>();
  private readonly verdicts = new Map<number, Verdict>();
  private readonly summaries: HostSummary[];

  private constructor(private readonly kept: readonly ConnectionRecord[], confirmed: ReadonlySet<string>, readonly skipped: readonly string[], readonly connectionsDropped: number, readonly maxConnectionsKept: number) {
    for (const record of kept) this.byId.set(record.id, record);
    const judged = judgeAll(kept, confirmed);
    for (const { record, verdict } of judged) this.verdicts.set(record.id, verdict);
    this.summaries = summariseHosts(judged);
  }

  /** Reads a recording's text; `maxConnectionsKept` bounds what is kept (the newest). */
  static read(text: string, maxConnectionsKept = DEFAULT_KEPT): Recording {
    const { records, skipped, confirmed } = readRecordedConnections(text);
    // Concatenated recordings repeat ids: number them again, in order, so each row stays its own.
    const unique = new Set(records.map((r) => r.id)).size === records.length;
    const ordered = unique ? records : records.map((record, index) => ({ ...record, id: index + 1 }));
    const kept = ordered.slice(-maxConnectionsKept);
    return new Recording(kept, confirmed, skipped, ordered.length - kept.length, maxConnectionsKept);
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
