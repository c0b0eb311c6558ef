/** What a session offers to read, live or recorded: its connections, their verdicts and its hosts (pure data, no IO). */
import type { LiveHostState } from './diagnosis';
import type { HostSummary } from './hostSummary';
import type { Verdict } from './pinning';
import type { ConnectionRecord } from '../timeline';

/** What the inspector, the exports and the status bar read, whether the session is live or recorded. */
export interface SessionView {
  /** Every kept connection, oldest first. */
  records(): ConnectionRecord[];
  record(id: number): ConnectionRecord | undefined;
  /** The verdict a connection got when it finished. */
  verdictOf(id: number): Verdict | undefined;
  /** Every host, re-judged with everything known now: O(connections), for summaries and exports. */
  hosts(): HostSummary[];
  /** Cheap per-host state for live displays. */
  liveHosts(): LiveHostState[];
  /** How many were dropped to stay within `maxConnectionsKept`. */
  readonly connectionsDropped: number;
  readonly maxConnectionsKept: number;
}
