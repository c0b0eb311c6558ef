/**
 * The pinning verdict's shape: does this breakage come from the client pinning the real server's key or
 * certificate, or merely from a client that does not trust the inspection CA? `judgeConnection`
 * (judgement.ts) gives it, standing on one rung of the evidence ladder (ladder.ts, docs/judgement.md).
 */
import { findEvent } from '../../shared/timelineEvents';
import { PINNING_VALUES, type Pinning } from '../../shared/vocabulary';
import type { Classification } from './classification';
import type { BreakageCause, RungId } from './ladder';
import type { ConnectionRecord } from '../timeline';

export interface Verdict extends Classification {
  readonly pinning: Pinning;
  /** The rung of the evidence ladder this verdict stands on (docs/judgement.md). */
  readonly rung: RungId;
  readonly cause: BreakageCause;
  /** What the developer should do: the fix, or for a possible pin the one step that would decide it. */
  readonly fix: string | null;
  readonly evidence: readonly string[];
  /** The host worked when tunnelled untouched after breaking under interception (not by itself a pin). */
  readonly confirmed: boolean;
}

export function ja4Of(record: Pick<ConnectionRecord, 'events'>): string | null {
  return findEvent(record.events, 'client-hello')?.hello.ja4 ?? null;
}

export function strongest(a: Pinning, b: Pinning): Pinning {
  return PINNING_VALUES.indexOf(a) >= PINNING_VALUES.indexOf(b) ? a : b;
}
