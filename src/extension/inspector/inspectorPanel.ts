/**
 * The inspector's WebviewPanel: strict CSP, batched live updates, actions routed to commands, and a
 * serializer so the panel comes back after a reload.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Engine } from '../../core/engine';
import { breakageHeadline } from '../../core/diagnosis/hostSummary';
import { toConnectionDetail, toConnectionRow } from '../../core/report/inspectorRows';
import { isWebviewMessage, type HostMessage, type ProxyState, type WebviewMessage } from '../../shared/protocol';
import { DEFAULT_MAX_CONNECTIONS_KEPT } from '../../shared/vocabulary';
import { inspectorHtml } from './inspectorHtml';
import type { PinscopeContext } from '../pinscopeContext';

const INSPECTOR_VIEW_TYPE = 'pinscope.inspector';
const FLUSH_MS = 100;
const HEADLINE_MS = 1000;

export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;
  private readonly dirty = new Set<number>();
  private readonly disposables: vscode.Disposable[] = [];
  private engineSubscriptions: { dispose(): void }[] = [];
  private attachedEngine: Engine | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private headline = 'No connections yet';
  private headlineAt = 0;
  private ready = false;
  /** The connection the webview shows in its detail pane: its detail is pushed whenever it changes. */
  private selectedId: number | undefined;

  static show(context: PinscopeContext): InspectorPanel {
    if (InspectorPanel.current) {
      InspectorPanel.current.panel.reveal();
      return InspectorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, 'Pinscope Inspector', vscode.ViewColumn.Active, InspectorPanel.options(context));
    return new InspectorPanel(panel, context);
  }

  static options(context: PinscopeContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extension.extensionUri, 'media')] };
  }

  static registerSerializer(context: PinscopeContext): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel) => {
        panel.webview.options = InspectorPanel.options(context);
        InspectorPanel.current?.dispose();
        new InspectorPanel(panel, context);
        return Promise.resolve();
      },
    });
  }

  private constructor(readonly panel: vscode.WebviewPanel, private readonly context: PinscopeContext) {
    InspectorPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(context.extension.extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isWebviewMessage(message)) void this.receive(message);
        else context.log.warn('Inspector: ignored a malformed message from the webview');
      }),
    );
    const change = context.controller.onDidChange.subscribe(() => this.attach());
    this.disposables.push(new vscode.Disposable(() => change.dispose()));
    this.attach();
  }

  private html(): string {
    const webview = this.panel.webview;
    const media = vscode.Uri.joinPath(this.context.extension.extensionUri, 'media');
    return inspectorHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'build', 'inspector.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'inspector.css')).toString(),
    });
  }

  private get engine(): Engine | undefined {
    return this.context.controller.engine;
  }

  /** (Re)subscribes to the running engine's live events; called on start, stop and clear. */
  private attach(): void {
    const engine = this.engine;
    this.headlineAt = 0;
    if (engine === this.attachedEngine) {
      // Same engine (a policy change, a learned entry): only the header may have changed.
      if (this.ready) this.post({ type: 'state', state: this.state() });
      return;
    }
    this.attachedEngine = engine;
    for (const s of this.engineSubscriptions) s.dispose();
    this.engineSubscriptions = [];
    if (engine) {
      this.engineSubscriptions.push(
        engine.onEvent.subscribe(({ record }) => this.markDirty(record.id)),
        engine.onJudged.subscribe(({ record }) => this.markDirty(record.id)),
        engine.onCleared.subscribe(() => this.reset()),
      );
    }
    if (this.ready) this.postReset();
  }

  /** Sends every kept connection again (after Clear Connections: none). */
  private reset(): void {
    if (this.ready) this.postReset();
  }

  private markDirty(id: number): void {
    this.dirty.add(id);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private state(): ProxyState {
    const engine = this.engine;
    const now = Date.now();
    if (engine && now - this.headlineAt >= HEADLINE_MS) {
      this.headline = breakageHeadline(engine.liveHosts());
      this.headlineAt = now;
    }
    return { running: engine !== undefined, url: engine?.url ?? null, headline: engine ? this.headline : 'Proxy stopped', dropped: engine?.connectionsDropped ?? 0, kept: engine?.maxConnectionsKept ?? DEFAULT_MAX_CONNECTIONS_KEPT };
  }

  /** Sends every changed row at once: one message per 100 ms, however many events arrived. */
  private flush(): void {
    this.flushTimer = undefined;
    const engine = this.engine;
    if (!engine || !this.ready || this.dirty.size === 0) {
      this.dirty.clear();
      return;
    }
    const rows = [];
    for (const id of this.dirty) {
      const record = engine.record(id);
      if (record) rows.push(toConnectionRow(record, engine.verdictOf(id)));
    }
    const selectedChanged = this.selectedId !== undefined && this.dirty.has(this.selectedId);
    this.dirty.clear();
    this.post({ type: 'rows', rows, state: this.state() });
    if (selectedChanged) this.postDetail();
  }

  private postReset(): void {
    const engine = this.engine;
    this.headlineAt = 0;
    this.post({ type: 'reset', rows: engine ? engine.records().map((r) => toConnectionRow(r, engine.verdictOf(r.id))) : [], state: this.state() });
    this.postDetail();
  }

  /** The selected connection's detail, if the running engine still keeps it. */
  private postDetail(): void {
    const engine = this.engine;
    const record = this.selectedId === undefined ? undefined : engine?.record(this.selectedId);
    if (engine && record) this.post({ type: 'detail', detail: toConnectionDetail(record, engine.verdictOf(record.id)) });
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private async receive(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.postReset();
        return;
      case 'select':
        this.selectedId = message.id;
        this.postDetail();
        return;
      case 'tunnelHost':
        await vscode.commands.executeCommand('pinscope.tunnelHost', message.host);
        return;
      case 'interceptHost':
        await vscode.commands.executeCommand('pinscope.interceptHost', message.host);
        return;
      case 'confirmHost':
        await vscode.commands.executeCommand('pinscope.confirmHost', message.host);
        return;
      case 'exportRequest':
        await vscode.commands.executeCommand('pinscope.exportExemptionRequest', message.hosts);
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        void vscode.window.setStatusBarMessage('Pinscope: copied', 2000);
        return;
      case 'exportCa':
        await vscode.commands.executeCommand('pinscope.exportCaCertificate');
        return;
      case 'clear':
        await vscode.commands.executeCommand('pinscope.clearConnections');
        return;
      case 'startProxy':
        await vscode.commands.executeCommand('pinscope.startProxy');
        return;
      case 'stopProxy':
        await vscode.commands.executeCommand('pinscope.stopProxy');
        return;
    }
  }

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const s of this.engineSubscriptions) s.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
