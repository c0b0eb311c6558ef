/**
 * Several recordings (files, or folders of `*.pinscope.jsonl`) read as one: their runs one after
 * another, each run once however often it was chosen (a run is known by its `proxy` line, as in
 * `pinscope export --from`). No `vscode` import: it runs in the recording worker.
 */
import { createHash } from 'node:crypto';
import { recordingInputs } from '../../core/io/recordingInputs';

export interface DistinctRuns {
  readonly lines: string[];
  readonly files: number;
  readonly repeats: number;
}

/** Every run of the inputs once: the lines of the runs not seen before, and the runs left out as repeats. */
export async function distinctRuns(paths: readonly string[]): Promise<DistinctRuns> {
  const inputs = await recordingInputs(paths);
  const seen = new Set<string>();
  const lines: string[] = [];
  let repeats = 0;
  for (const input of inputs) {
    let run: string[] = [];
    const flush = (): void => {
      if (run.length === 0) return;
      // A run with a proxy line is known by it; one without, by all its lines.
      const identity = createHash('sha256')
        .update(run[0]?.startsWith('{"type":"proxy"') ? run[0] : run.join('\n'))
        .digest('hex');
      if (seen.has(identity)) repeats += 1;
      else lines.push(...run);
      seen.add(identity);
      run = [];
    };
    for await (const batch of input.lines()) {
      for (const line of batch) {
        if (line.startsWith('{"type":"proxy"')) flush();
        if (line.trim() !== '') run.push(line);
      }
    }
    flush();
  }
  return { lines, files: inputs.length, repeats };
}
