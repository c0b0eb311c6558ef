/** Save Recording… (the session as the JSONL of `pinscope run --events`) and Open Recording…. */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { recordingText, writeOwnerOnly } from '../../core/report/recordingFile';
import type { PinscopeContext } from '../pinscopeContext';
import { RECORDING_VIEW_TYPE } from './recordingEditor';
import { openRecordingSet } from './recordingSet';

const FILTERS = { 'Pinscope recording': ['pinscope.jsonl', 'jsonl'] };

function defaultFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
}

/** Writes the session (kept after Stop) owner-only; `target` skips the dialog (scripts and tests). */
export async function saveRecording(context: PinscopeContext, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const { controller } = context;
  const { session } = controller;
  const { text, connections } = recordingText(session, {
    listening: session.listening?.url ?? null,
    capturedBy: controller.listenedOn,
    ca: session.listening?.ca.certPath ?? null,
    startedAt: new Date(),
    captureOf: (id) => session.captureOf(id),
  });
  if (connections === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Pinscope: no finished connection to record yet.'));
    return undefined;
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Pinscope: save the session as a recording'),
      defaultUri: vscode.Uri.joinPath(defaultFolder(), `session-${stamp}.pinscope.jsonl`),
      filters: FILTERS,
    }));
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Pinscope: recordings are written to local files only (they are created owner-only).'),
    );
    return undefined;
  }
  try {
    writeOwnerOnly(uri.fsPath, text);
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Pinscope cannot save the recording: {0}', errorMessage(error)));
    return undefined;
  }
  context.log.info(`Saved ${connections} connection(s) to ${uri.fsPath}`);
  if (!target) {
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t('Pinscope: {0} connection(s) saved to {1}.', connections, uri.fsPath),
        vscode.l10n.t('Open Recording'),
      )
      .then((choice) => {
        if (choice) void openRecording(context, uri);
      });
  }
  return uri;
}

const isUriList = (value: unknown): value is vscode.Uri[] =>
  Array.isArray(value) && value.length > 0 && value.every((u) => u instanceof vscode.Uri);

/** The command's arguments as recordings: from the explorer, the clicked file or folder, then every selected one. */
export function recordingTarget(target: unknown, selected: unknown): vscode.Uri | vscode.Uri[] | undefined {
  if (isUriList(selected) && selected.length > 1) return selected;
  if (target instanceof vscode.Uri) return target;
  return isUriList(target) ? target : undefined;
}

/**
 * Opens recordings in the read-only inspector: one file in its editor; several files, or a folder of
 * them, as one view. Without `target`, asks for the files.
 */
export async function openRecording(
  context: PinscopeContext,
  target?: vscode.Uri | readonly vscode.Uri[],
): Promise<vscode.Uri | undefined> {
  const chosen = target
    ? [target].flat()
    : ((await vscode.window.showOpenDialog({
        title: vscode.l10n.t(
          'Pinscope: open recordings (pinscope run --events, pinscope proxy --events, Save Recording); several are shown as one',
        ),
        canSelectMany: true,
        defaultUri: defaultFolder(),
        filters: { ...FILTERS, 'All files': ['*'] },
      })) ?? []);
  const [first] = chosen;
  if (!first) return undefined;
  const folder =
    chosen.length === 1 && first.scheme === 'file' && (await vscode.workspace.fs.stat(first)).type === vscode.FileType.Directory;
  if (chosen.length > 1 || folder) return openRecordingSet(context, chosen);
  await vscode.commands.executeCommand('vscode.openWith', first, RECORDING_VIEW_TYPE);
  return first;
}
