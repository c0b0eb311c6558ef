/** Recordings named on the command line (`--from`, `diff OLD NEW`): read, merged, and what was skipped said on stderr. */
import { terminalSafe } from '../core/report/connectionReport';
import { mergeRecordings, type MergedRuns } from '../core/report/mergedRuns';
import { RecordingInputError, recordingInputs } from '../core/io/recordingInputs';
import type { ConnectionRecord } from '../core/timeline';
import { UsageError } from './usage';

export interface MergedArguments {
  readonly merged: MergedRuns;
  /** One record per category, run and host (what names the app). */
  readonly records: readonly ConnectionRecord[];
}

export async function readMergedRecordings(command: string, paths: readonly string[]): Promise<MergedArguments> {
  if (paths.length === 0)
    throw new UsageError(
      '--from EVENTS.jsonl is required (written by pinscope proxy --events FILE); several files, folders or - may be given',
    );
  let merged: MergedRuns;
  try {
    merged = await mergeRecordings(await recordingInputs(paths));
  } catch (error) {
    if (error instanceof RecordingInputError) throw new UsageError(error.message);
    throw error;
  }
  for (const line of merged.skipped) process.stderr.write(`pinscope ${command}: skipped ${terminalSafe(line)}\n`);
  if (merged.skippedCount > merged.skipped.length)
    process.stderr.write(`pinscope ${command}: skipped ${merged.skippedCount - merged.skipped.length} more line(s)\n`);
  for (const line of merged.duplicates) process.stderr.write(`pinscope ${command}: ${terminalSafe(line)}\n`);
  if (merged.runs.length > 1)
    process.stderr.write(
      `pinscope ${command}: merged ${merged.runs.length} runs, ${merged.connections} connections, ${merged.hosts.length} hosts\n`,
    );
  return { merged, records: merged.hosts.flatMap((h) => h.representatives.map((r) => r.judged.record)) };
}
