/** The status bar item: stopped / listening on port N / how many hosts break. */
import * as vscode from 'vscode';
import { breakageHeadline } from '../core/diagnosis/hostSummary';
import type { ProxyController } from './proxyController';

export class ProxyStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pinscope.status', vscode.StatusBarAlignment.Left, 100);
  private readonly subscriptions: { dispose(): void }[];
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly controller: ProxyController) {
    this.item.name = 'Pinscope';
    this.item.command = 'pinscope.openInspector';
    this.subscriptions = [controller.onDidChange.subscribe(() => this.update()), controller.onJudged.subscribe(() => this.scheduleUpdate()), controller.onCleared.subscribe(() => this.update())];
    this.update();
    this.item.show();
  }

  /** Connections can finish thousands of times a second: refresh at most every 250 ms. */
  private scheduleUpdate(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.update();
    }, 250);
  }

  update(): void {
    const engine = this.controller.engine;
    if (!engine) {
      this.item.text = '$(shield) Pinscope: stopped';
      this.item.tooltip = 'Pinscope proxy is stopped. Click to open the inspector; run "Pinscope: Start Proxy" to start.';
      this.item.backgroundColor = undefined;
      return;
    }
    const hosts = engine.liveHosts();
    const breaking = hosts.filter((h) => h.breaks);
    const likely = breaking.some((h) => h.pinning === 'likely');
    this.item.text = breaking.length > 0 ? `$(warning) Pinscope :${engine.port} · ${breaking.length} breaking` : `$(shield) Pinscope :${engine.port}`;
    this.item.backgroundColor = likely ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(`Listening on ${engine.url}\n${breakageHeadline(hosts)}\nConnections kept: ${engine.connectionsKept}\nClick to open the inspector.`);
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
