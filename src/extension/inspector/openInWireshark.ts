/**
 * "Open in Wireshark…" from the inspector: the chosen connections (one, or a host's) as a pcapng with
 * both legs and their TLS secrets, saved where the user says (a temporary folder by default), then
 * opened in Wireshark when it is installed; otherwise the file is offered to reveal.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { targetHost } from '../../core/timeline';
import type { PinscopeContext } from '../pinscopeContext';
import type { InspectorSource } from './inspectorSources';
import { capturesOf, findWireshark, writePcapng } from './wiresharkExport';

export async function openInWireshark(context: PinscopeContext, source: InspectorSource, ids: readonly number[]): Promise<void> {
  const { connections, missing } = capturesOf(source.session, ids, source.capture);
  const why = missing.map((m) => (ids.length > 1 ? `${m.count} connection(s): ${m.why}` : m.why)).join(' ');
  if (connections.length === 0) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Pinscope: nothing to open in Wireshark. {0}', why));
    return;
  }
  const first = source.session.record(connections[0]?.id ?? -1);
  const name = `pinscope-${(first ? targetHost(first) : 'capture').replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 80)}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.pcapng`;
  const uri = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Pinscope: save the handshakes for Wireshark (TLS secrets inside)'),
    defaultUri: vscode.Uri.file(join(tmpdir(), name)),
    filters: { pcapng: ['pcapng'] },
  });
  if (!uri) return;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Pinscope: captures are written to local files only (they are created owner-only: they hold TLS secrets).'),
    );
    return;
  }
  try {
    writePcapng(uri.fsPath, connections);
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Pinscope cannot write the capture: {0}', errorMessage(error)));
    return;
  }
  context.log.info(
    `Wrote ${connections.length} connection(s) to ${uri.fsPath} (TLS secrets embedded)${missing.length > 0 ? `; left out: ${why}` : ''}`,
  );
  const left = missing.length > 0 ? ` ${vscode.l10n.t('Left out: {0}', why)}` : '';
  const wireshark = findWireshark();
  if (wireshark && launch(context, wireshark, uri.fsPath)) {
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Pinscope: opening {0} connection(s) in Wireshark', connections.length), 4000);
    if (left) void vscode.window.showInformationMessage(vscode.l10n.t('Pinscope: opened in Wireshark.{0}', left));
    return;
  }
  const reveal = vscode.l10n.t('Reveal File');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Pinscope: {0} connection(s) saved to {1}. Wireshark is not installed (not found on PATH): open the file in Wireshark or tshark on any machine, the TLS secrets travel in it.{2}',
      connections.length,
      uri.fsPath,
      left,
    ),
    reveal,
  );
  if (choice === reveal) await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** Starts Wireshark on the file, detached; false when it could not be started. */
function launch(context: PinscopeContext, program: string, file: string): boolean {
  try {
    const child = spawn(program, ['-r', file], { detached: true, stdio: 'ignore' });
    child.on('error', (error) => context.log.warn(`Wireshark (${program}) could not start: ${error.message}`));
    child.unref();
    return true;
  } catch (error) {
    context.log.warn(`Wireshark (${program}) could not start: ${errorMessage(error)}`);
    return false;
  }
}
