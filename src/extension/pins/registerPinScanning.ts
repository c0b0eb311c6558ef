/** Wires the pin scan view to the running proxy: observations re-linked as connections are judged. */
import * as vscode from 'vscode';
import { observedHosts } from '../../core/pins/pinFindings';
import type { PinscopeContext } from '../pinscopeContext';
import { PinScanView } from './pinScanView';

/** The scan starts this long after registration, so that activation never waits for it. */
const FIRST_SCAN_DELAY_MS = 3000;
const RELINK_DEBOUNCE_MS = 1000;

export function registerPinScanning(context: PinscopeContext): vscode.Disposable[] {
  const { controller } = context;
  const view = new PinScanView(() => {
    const engine = controller.engine;
    return engine ? observedHosts(engine.records(), engine.hosts()) : [];
  });
  const scan = (): void => {
    view.rescan().catch((error: unknown) => context.log.warn(`pin scan failed: ${String(error)}`));
  };
  let relinkTimer: NodeJS.Timeout | undefined;
  const relinkSoon = (): void => {
    relinkTimer ??= setTimeout(() => {
      relinkTimer = undefined;
      view.relink();
    }, RELINK_DEBOUNCE_MS);
  };
  let judged: { dispose(): void } | undefined;
  const follow = (): void => {
    judged?.dispose();
    judged = controller.engine?.onJudged.subscribe(relinkSoon);
    relinkSoon();
  };
  const controllerChanged = controller.onDidChange.subscribe(follow);
  const firstScan = setTimeout(scan, FIRST_SCAN_DELAY_MS);
  return [
    new vscode.Disposable(() => view.dispose()),
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, view),
    vscode.workspace.onDidSaveTextDocument((document) => view.rescanDocument(document)),
    vscode.workspace.onDidChangeWorkspaceFolders(scan),
    new vscode.Disposable(() => {
      clearTimeout(firstScan);
      clearTimeout(relinkTimer);
      controllerChanged.dispose();
      judged?.dispose();
    }),
  ];
}
