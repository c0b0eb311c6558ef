/** Save Recording… (the session as the JSONL of `pinscope run --events`) and Open Recording…. */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { recordingText, writeOwnerOnly } from '../../core/report/recordingFile';
import type { PinscopeContext } from '../pinscopeContext';
import { RECORDING_VIEW_TYPE } from './recordingEditor';

const FILTERS = { 'Pinscope recording': ['pinscope.jsonl', 'jsonl'] };

function defaultFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
}

/** Writes the session (kept after Stop) owner-only; `target` skips the dialog (scripts and tests). */
export async function saveRecording(context: PinscopeContext, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const { controller } = context;
  const engine = controller.engine;
  const { text, connections } = recordingText(controller.session, { listening: engine?.url ?? null, capturedBy: controller.listenedOn, ca: engine?.ca.certPath ?? null, startedAt: new Date() });
  if (connections === 0) {
    void vscode.window.showInformationMessage('Pinscope: no finished connection to record yet.');
    return undefined;
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const uri = target ?? await vscode.window.showSaveDialog({ title: 'Pinscope: save the session as a recording', defaultUri: vscode.Uri.joinPath(defaultFolder(), `session-${stamp}.pinscope.jsonl`), filters: FILTERS });
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Pinscope: recordings are written to local files only (they are created owner-only).');
    return undefined;
  }
  try {
    writeOwnerOnly(uri.fsPath, text);
  } catch (error) {
    void vscode.window.showErrorMessage(`Pinscope cannot save the recording: ${errorMessage(error)}`);
    return undefined;
  }
  context.log.info(`Saved ${connections} connection(s) to ${uri.fsPath}`);
  if (!target) {
    void vscode.window.showInformationMessage(`Pinscope: ${connections} connection(s) saved to ${uri.fsPath}.`, 'Open Recording').then((choice) => {
      if (choice) void openRecording(uri);
    });
  }
  return uri;
}

/** Opens a recording in the read-only inspector; without `uri`, asks for the file. */
export async function openRecording(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const chosen = uri ?? (await vscode.window.showOpenDialog({ title: 'Pinscope: open a recording (pinscope run --events, pinscope proxy --events, Save Recording)', canSelectMany: false, defaultUri: defaultFolder(), filters: { ...FILTERS, 'All files': ['*'] } }))?.[0];
  if (!chosen) return undefined;
  await vscode.commands.executeCommand('vscode.openWith', chosen, RECORDING_VIEW_TYPE);
  return chosen;
}
