/**
 * Several recordings (files, or folders of `*.pinscope.jsonl`) opened as one read-only view: their runs
 * one after another, each run once however often it was chosen (a run is known by its `proxy` line, as
 * in `pinscope export --from`), judged as one session in the same inspector.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { Recording } from '../../core/recording';
import { recordingInputs } from '../../core/io/recordingInputs';
import { InspectorPanel } from '../inspector/inspectorPanel';
import { recordingCaptures, recordingSource } from '../inspector/inspectorSources';
import type { PinscopeContext } from '../pinscopeContext';
import { RecordingEditorProvider, RECORDING_VIEW_TYPE } from './recordingEditor';

/** Every run of the inputs once: the lines of the runs not seen before, and the runs left out as repeats. */
async function distinctRuns(paths: readonly string[]): Promise<{ lines: string[]; files: number; repeats: number }> {
  const inputs = await recordingInputs(paths);
  const seen = new Set<string>();
  const lines: string[] = [];
  let repeats = 0;
  for (const input of inputs) {
    let run: string[] = [];
    const flush = (): void => {
      if (run.length === 0) return;
      // A run with a proxy line is known by it; one without, by all its lines.
      const identity = createHash('sha256').update(run[0]?.startsWith('{"type":"proxy"') ? run[0] : run.join('\n')).digest('hex');
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

/** Opens the chosen files and folders as one read-only inspector; returns the URI it is known by (`pinscope.recordingPanel`). */
export async function openRecordingSet(context: PinscopeContext, uris: readonly vscode.Uri[]): Promise<vscode.Uri | undefined> {
  const local = uris.filter((u) => u.scheme === 'file');
  if (local.length < uris.length) void vscode.window.showWarningMessage('Pinscope: only local recordings can be opened together; the others were left out.');
  if (local.length === 0) return undefined;
  let runs: Awaited<ReturnType<typeof distinctRuns>>;
  try {
    runs = await distinctRuns(local.map((u) => u.fsPath));
  } catch (error) {
    void vscode.window.showErrorMessage(`Pinscope cannot open the recordings: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  const text = runs.lines.join('\n');
  const recording = Recording.read(text, context.settings.maxConnectionsKept);
  const name = `${runs.files} recordings${local.length === 1 ? ` in ${basename(local[0]?.fsPath ?? '')}` : ''}`;
  const key = vscode.Uri.from({ scheme: 'pinscope-recordings', path: `/${createHash('sha256').update(local.map((u) => u.fsPath).join('\n')).digest('hex').slice(0, 16)}` });
  const panel = vscode.window.createWebviewPanel(RECORDING_VIEW_TYPE, `Pinscope: ${name}`, vscode.ViewColumn.Active, InspectorPanel.options(context));
  RecordingEditorProvider.track(key, new InspectorPanel(panel, context, recordingSource(context, recording, name, recordingCaptures(text, recording))));
  context.log.info(`Opened ${name}: ${recording.records().length} connection(s)${runs.repeats > 0 ? `; ${runs.repeats} repeated run(s) counted once` : ''}${recording.skipped.length > 0 ? `; ${recording.skipped.length} line(s) skipped` : ''}`);
  if (runs.repeats > 0) void vscode.window.showInformationMessage(`Pinscope: ${runs.repeats} run(s) were chosen more than once and are shown once.`);
  return key;
}
