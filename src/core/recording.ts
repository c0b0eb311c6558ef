/**
 * A recording opened for reading: the JSONL that `pinscope proxy --events`, `pinscope run --events` and
 * the extension's Save Recording write, as a read-only session. Each connection is judged again in the
 * order it was recorded, with the same diagnosis the live session used. Lines that cannot be used (cut
 * off, from another version, edited) are skipped and named; nothing throws.
 */
import { Diagnosis, type LiveHostState } from './diagnosis/diagnosis';
import type { HostSummary } from './diagnosis/hostSummary';
import type { Verdict } from './diagnosis/pinning';
import { readRecordedConnections } from './exemptions/recordedConnections';
import type { SessionView } from './session';
import type { ConnectionRecord } from './timeline';

/** The newest this many connections are shown; the rest are counted as dropped (a live session keeps as many). */
const DEFAULT_KEPT = 10_000;

export class Recording implements SessionView {
  private readonly byId = new Map<number, ConnectionRecord>();
  private readonly diagnosis: Diagnosis;

  private constructor(private readonly kept: readonly ConnectionRecord[], readonly skipped: readonly string[], readonly connectionsDropped: number, readonly maxConnectionsKept: number) {
    this.diagnosis = new Diagnosis(undefined, () => Math.max(maxConnectionsKept, kept.length));
    for (const record of kept) {
      this.byId.set(record.id, record);
      this.diagnosis.finished(record, () => true);
    }
  }

  /** Reads a recording's text; `maxConnectionsKept` bounds what is kept (the newest). */
  static read(text: string, maxConnectionsKept = DEFAULT_KEPT): Recording {
    const { records, skipped } = readRecordedConnections(text);
    // Concatenated recordings repeat ids: number them again, in order, so each row stays its own.
    const unique = new Set(records.map((r) => r.id)).size === records.length;
    const ordered = unique ? records : records.map((record, index) => ({ ...record, id: index + 1 }));
    const kept = ordered.slice(-maxConnectionsKept);
    return new Recording(kept, skipped, ordered.length - kept.length, maxConnectionsKept);
  }

  records(): ConnectionRecord[] {
    return [...this.kept];
  }

  record(id: number): ConnectionRecord | undefined {
    return this.byId.get(id);
  }

  verdictOf(id: number): Verdict | undefined {
    return this.diagnosis.verdictOf(id);
  }

  hosts(): HostSummary[] {
    return this.diagnosis.hosts(this.kept);
  }

  liveHosts(): LiveHostState[] {
    return this.diagnosis.liveHosts();
  }
}
