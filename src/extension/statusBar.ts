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
    this.subscriptions = [
      controller.onDidChange.subscribe(() => this.update()),
      controller.onJudged.subscribe(() => this.scheduleUpdate()),
      controller.onCleared.subscribe(() => this.update()),
    ];
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
    const session = this.controller.session;
    const proxy = session.listening;
    const failure = this.controller.startFailure;
    if (!proxy && failure) {
      this.item.text = `$(error) ${vscode.l10n.t('Pinscope: not started')}`;
      const tooltip = new vscode.MarkdownString(undefined, false);
      tooltip.appendText(
        failure.setting
          ? vscode.l10n.t(
              'The proxy could not start: {0}\nClick to show the log; fix {1} and run "Pinscope: Start Proxy".',
              failure.message,
              `pinscope.${failure.setting}`,
            )
          : vscode.l10n.t(
              'The proxy could not start: {0}\nClick to show the log; fix the cause and run "Pinscope: Start Proxy".',
              failure.message,
            ),
      );
      this.item.tooltip = tooltip;
      this.item.command = 'pinscope.showLog';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      return;
    }
    this.item.command = 'pinscope.openInspector';
    const kept = session.connectionsKept;
    if (!proxy) {
      this.item.text = `$(shield) ${kept > 0 ? vscode.l10n.t('Pinscope: stopped · {0} recorded', kept) : vscode.l10n.t('Pinscope: stopped')}`;
      this.item.tooltip =
        kept > 0
          ? vscode.l10n.t(
              'Pinscope proxy is stopped; the {0} connection(s) recorded are kept. Click to open the inspector; run "Pinscope: Start Proxy" to start.',
              kept,
            )
          : vscode.l10n.t('Pinscope proxy is stopped. Click to open the inspector; run "Pinscope: Start Proxy" to start.');
      this.item.backgroundColor = undefined;
      return;
    }
    const hosts = session.liveHosts();
    const breaking = hosts.filter((h) => h.breaks);
    const likely = breaking.some((h) => h.pinning === 'likely');
    this.item.text =
      breaking.length > 0
        ? `$(warning) ${vscode.l10n.t('Pinscope :{0} · {1} breaking', proxy.port, breaking.length)}`
        : `$(shield) ${vscode.l10n.t('Pinscope :{0}', proxy.port)}`;
    this.item.backgroundColor = likely ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(
      vscode.l10n.t('Listening on {0}\n{1}\nConnections kept: {2}\nClick to open the inspector.', proxy.url, breakageHeadline(hosts), kept),
    );
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
