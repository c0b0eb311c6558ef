/** Wires the pin scan view to the running proxy: observations re-linked as connections are judged. */
import * as vscode from 'vscode';
import { observedHosts } from '../../core/pins/pinFindings';
import { isScannedFile, SCANNED_EXTENSIONS } from '../../core/pins/scanFile';
import type { ProxyController } from '../proxyController';
import { PinScanView } from './pinScanView';

/** The scan starts this long after registration, so that activation never waits for it. */
const FIRST_SCAN_DELAY_MS = 3000;
const RELINK_DEBOUNCE_MS = 1000;
/** A burst of file changes (a `git pull`, a generator) is rescanned once, this long after it ends. */
const RESCAN_DEBOUNCE_MS = 1500;
/** Changes under these folders (dependencies, VCS data) never start a rescan; the scan skips them anyway. */
const IGNORED_FOLDERS = /(?:^|[\\/])(?:\.git|node_modules|\.gradle|Pods|DerivedData|\.dart_tool|build|dist|out)[\\/]/;

/**
 * Pin configurations written by something other than the editor (a shell command, a `git pull`, a
 * generator) are found too: created, changed or deleted candidate files and `.gitignore` files start one
 * debounced rescan, in the scan's worker and with its rules (`files.exclude`, `.gitignore`, its bounds).
 */
function watchWorkspace(rescan: () => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(`**/{.gitignore,${SCANNED_EXTENSIONS.map((ext) => `*${ext}`).join(',')}}`);
  let timer: NodeJS.Timeout | undefined;
  const rescanSoon = (): void => {
    clearTimeout(timer);
    timer = setTimeout(rescan, RESCAN_DEBOUNCE_MS);
  };
  const changed = (uri: vscode.Uri): void => {
    if (uri.scheme !== 'file' || IGNORED_FOLDERS.test(uri.fsPath)) return;
    if (!uri.fsPath.endsWith('.gitignore') && !isScannedFile(uri.fsPath)) return;
    rescanSoon();
  };
  // A created folder is one event for the folder: the files written into it before the watcher watched it
  // (`mkdir -p a/b && cat > a/b/f.xml`, an unpacked archive, a branch switch) have none of their own.
  // A deleted folder likewise is one event, none for the files it held (`rm -rf`).
  const tree = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
  const created = (uri: vscode.Uri): void => {
    if (uri.scheme !== 'file' || IGNORED_FOLDERS.test(`${uri.fsPath}/`) || isScannedFile(uri.fsPath)) return;
    void Promise.resolve(vscode.workspace.fs.stat(uri)).then(
      (stat) => {
        if (stat.type & vscode.FileType.Directory) rescanSoon();
      },
      () => undefined,
    );
  };
  const deleted = (uri: vscode.Uri): void => {
    if (uri.scheme !== 'file' || IGNORED_FOLDERS.test(`${uri.fsPath}/`)) return;
    rescanSoon();
  };
  const subscriptions = [
    watcher,
    tree,
    watcher.onDidCreate(changed),
    watcher.onDidChange(changed),
    tree.onDidCreate(created),
    tree.onDidDelete(deleted),
  ];
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    for (const subscription of subscriptions) subscription.dispose();
  });
}

/** The view (the inspector asks it where a host is pinned) and what to dispose. */
export function registerPinScanning(
  controller: ProxyController,
  log: vscode.LogOutputChannel,
): { view: PinScanView; disposables: vscode.Disposable[] } {
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
  return {
    view,
    disposables: [
      new vscode.Disposable(() => view.dispose()),
      vscode.languages.registerCodeLensProvider({ scheme: 'file' }, view),
      vscode.workspace.onDidSaveTextDocument((document) => view.rescanDocument(document)),
      vscode.workspace.onDidChangeWorkspaceFolders(scan),
      watchWorkspace(scan),
      new vscode.Disposable(() => {
        clearTimeout(firstScan);
        clearTimeout(relinkTimer);
        judged.dispose();
        cleared.dispose();
      }),
    ],
  };
}
