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
    const failure = this.controller.startFailure;
    if (!engine && failure) {
      this.item.text = '$(error) Pinscope: not started';
      const tooltip = new vscode.MarkdownString(undefined, false);
      tooltip.appendText(`The proxy could not start: ${failure.message}\nClick to show the log; fix ${failure.setting ? `pinscope.${failure.setting}` : 'the cause'} and run "Pinscope: Start Proxy".`);
      this.item.tooltip = tooltip;
      this.item.command = 'pinscope.showLog';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      return;
    }
    this.item.command = 'pinscope.openInspector';
    const kept = this.controller.session.connectionsKept;
    if (!engine) {
      this.item.text = kept > 0 ? `$(shield) Pinscope: stopped · ${kept} recorded` : '$(shield) Pinscope: stopped';
      this.item.tooltip = `Pinscope proxy is stopped${kept > 0 ? `; the ${kept} connection(s) recorded are kept` : ''}. Click to open the inspector; run "Pinscope: Start Proxy" to start.`;
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
