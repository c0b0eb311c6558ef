/**
 * Several recordings (files, or folders of `*.pinscope.jsonl`) opened as one read-only view: their runs
 * one after another, each run once however often it was chosen (a run is known by its `proxy` line, as
 * in `pinscope export --from`), judged as one session in the same inspector.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { InspectorPanel } from '../inspector/inspectorPanel';
import { recordingSource } from '../inspector/inspectorSources';
import type { PinscopeContext } from '../pinscopeContext';
import { RecordingEditorProvider, RECORDING_VIEW_TYPE } from './recordingEditor';
import { readRecordingInWorker, type RecordingRead } from './recordingReader';

/** Opens the chosen files and folders as one read-only inspector; returns the URI it is known by (`pinscope.recordingPanel`). */
export async function openRecordingSet(context: PinscopeContext, uris: readonly vscode.Uri[]): Promise<vscode.Uri | undefined> {
  const local = uris.filter((u) => u.scheme === 'file');
  if (local.length < uris.length)
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Pinscope: only local recordings can be opened together; the others were left out.'),
    );
  if (local.length === 0) return undefined;
  let runs: RecordingRead;
  try {
    // Read, merged and judged in a worker thread: the proxy, on this thread, keeps serving meanwhile.
    runs = await readRecordingInWorker({
      kind: 'set',
      paths: local.map((u) => u.fsPath),
      maxConnectionsKept: context.settings.maxConnectionsKept,
    });
  } catch (error) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Pinscope cannot open the recordings: {0}', error instanceof Error ? error.message : String(error)),
    );
    return undefined;
  }
  const { recording } = runs;
  const name = `${runs.files} recordings${local.length === 1 ? ` in ${basename(local[0]?.fsPath ?? '')}` : ''}`;
  const key = vscode.Uri.from({
    scheme: 'pinscope-recordings',
    path: `/${createHash('sha256')
      .update(local.map((u) => u.fsPath).join('\n'))
      .digest('hex')
      .slice(0, 16)}`,
  });
  const panel = vscode.window.createWebviewPanel(
    RECORDING_VIEW_TYPE,
    `Pinscope: ${name}`,
    vscode.ViewColumn.Active,
    InspectorPanel.options(context),
  );
  RecordingEditorProvider.track(key, new InspectorPanel(panel, context, recordingSource(context, recording, name, runs.captures)));
  context.log.info(
    `Opened ${name}: ${recording.records().length} connection(s)${runs.repeats > 0 ? `; ${runs.repeats} repeated run(s) counted once` : ''}${recording.skipped.length > 0 ? `; ${recording.skipped.length} line(s) skipped` : ''}`,
  );
  if (runs.repeats > 0)
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Pinscope: {0} run(s) were chosen more than once and are shown once.', runs.repeats),
    );
  return key;
}
