/** Wires the pin scan view to the running proxy: observations re-linked as connections are judged. */
import * as vscode from 'vscode';
import { observedHosts } from '../../core/pins/pinFindings';
import type { ProxyController } from '../proxyController';
import { PinScanView } from './pinScanView';

/** The scan starts this long after registration, so that activation never waits for it. */
const FIRST_SCAN_DELAY_MS = 3000;
const RELINK_DEBOUNCE_MS = 1000;

/** The view (the inspector asks it where a host is pinned) and what to dispose. */
export function registerPinScanning(controller: ProxyController, log: vscode.LogOutputChannel): { view: PinScanView; disposables: vscode.Disposable[] } {
  // The session outlives the proxy: what was seen before a stop still links to the pins.
  const view = new PinScanView(() => observedHosts(controller.session.records(), controller.session.hosts()));
  const scan = (): void => {
    view.rescan().catch((error: unknown) => log.warn(`pin scan failed: ${String(error)}`));
  };
  let relinkTimer: NodeJS.Timeout | undefined;
  const relinkSoon = (): void => {
    relinkTimer ??= setTimeout(() => {
      relinkTimer = undefined;
      view.relink();
    }, RELINK_DEBOUNCE_MS);
  };
  const judged = controller.onJudged.subscribe(relinkSoon);
  const cleared = controller.onCleared.subscribe(relinkSoon);
  const firstScan = setTimeout(scan, FIRST_SCAN_DELAY_MS);
  return { view, disposables: [
    new vscode.Disposable(() => view.dispose()),
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, view),
    vscode.workspace.onDidSaveTextDocument((document) => view.rescanDocument(document)),
    vscode.workspace.onDidChangeWorkspaceFolders(scan),
    new vscode.Disposable(() => {
      clearTimeout(firstScan);
      clearTimeout(relinkTimer);
      judged.dispose();
      cleared.dispose();
    }),
  ] };
}
