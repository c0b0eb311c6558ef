/**
 * The inspector's WebviewPanel: strict CSP, batched live updates, actions routed to commands, and a
 * serializer so the panel comes back after a reload. One panel shows the live session (kept across Stop
 * and Restart); the recording editor uses the same panel, read-only, for a recording.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { toConnectionDetail, toConnectionRow } from '../../core/report/inspectorRows';
import { targetHost } from '../../core/timeline';
import {
  dispatch,
  parseWebviewMessage,
  type HostMessage,
  type MessageHandlers,
  type ProxyState,
  type WebviewMessage,
} from '../../shared/protocol';
import { exportExemptionRequest } from '../exportRequest';
import { inspectorHtml } from './inspectorHtml';
import { openInWireshark } from './openInWireshark';
import { headlineOf, liveSource, type InspectorSource } from './inspectorSources';
import type { PinscopeContext } from '../pinscopeContext';

const INSPECTOR_VIEW_TYPE = 'pinscope.inspector';
/** "Open in Editor": a connection's detail and its host's story in an editor tab of its own (not restored after a reload). */
const DETAIL_VIEW_TYPE = 'pinscope.detail';
const FLUSH_MS = 100;
const HEADLINE_MS = 1000;

export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;
  /** The panels opened by "Open in Editor" (read by the integration tests). */
  static readonly details = new Set<InspectorPanel>();
  private readonly dirty = new Set<number>();
  private readonly disposables: vscode.Disposable[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private headline = 'No connections yet';
  private headlineAt = 0;
  private ready = false;
  /** The connection the webview shows in its detail pane: its detail is pushed whenever it changes. */
  private selectedId: number | undefined;
  /** How many messages were posted, by type (read by the integration tests). */
  readonly posted = new Map<HostMessage['type'], number>();

  /** The live inspector: one panel, revealed if it is open. */
  static show(context: PinscopeContext): InspectorPanel {
    if (InspectorPanel.current) {
      InspectorPanel.current.panel.reveal();
      return InspectorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      INSPECTOR_VIEW_TYPE,
      vscode.l10n.t('Pinscope Inspector'),
      vscode.ViewColumn.Active,
      InspectorPanel.options(context),
    );
    return InspectorPanel.live(panel, context);
  }

  /** The live panel, if one is open. */
  static get open(): InspectorPanel | undefined {
    return InspectorPanel.current;
  }

  static options(context: PinscopeContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extension.extensionUri, 'media')] };
  }

  static registerSerializer(context: PinscopeContext): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: (panel: vscode.WebviewPanel) => {
        panel.webview.options = InspectorPanel.options(context);
        InspectorPanel.current?.dispose();
        InspectorPanel.live(panel, context);
        return Promise.resolve();
      },
    });
  }

  private static live(panel: vscode.WebviewPanel, context: PinscopeContext): InspectorPanel {
    const inspector = new InspectorPanel(panel, context, liveSource(context));
    InspectorPanel.current = inspector;
    return inspector;
  }

  /**
   * A panel over any source: the recording editor gives it a read-only webview panel of its own.
   * `focusId`: the panel shows that connection's detail only ("Open in Editor").
   */
  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: PinscopeContext,
    readonly source: InspectorSource,
    private readonly focusId?: number,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extension.extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((value: unknown) => {
        const parsed = parseWebviewMessage(value);
        if ('message' in parsed) void this.receive(parsed.message);
        else context.log.warn(`Inspector: rejected a message from the webview: ${parsed.rejected}`);
      }),
    );
    const live = source.live;
    if (live) {
      const subscriptions = [
        live.onEvent.subscribe(({ record }) => this.markDirty(record.id)),
        live.onJudged.subscribe(({ record }) => this.markDirty(record.id)),
        live.onCleared.subscribe(() => this.postReset()),
        live.onStateChange.subscribe(() => this.postState()),
      ];
      this.disposables.push(new vscode.Disposable(() => subscriptions.forEach((s) => s.dispose())));
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const media = vscode.Uri.joinPath(this.context.extension.extensionUri, 'media');
    return inspectorHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'build', 'inspector.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'inspector.css')).toString(),
      ...(this.focusId === undefined ? {} : { focusId: this.focusId }),
    });
  }

  private markDirty(id: number): void {
    this.dirty.add(id);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private state(): ProxyState {
    const now = Date.now();
    if (now - this.headlineAt >= HEADLINE_MS) {
      this.headline = headlineOf(this.source.session);
      this.headlineAt = now;
    }
    return this.source.state(this.headline);
  }

  /** The header alone: the proxy started or stopped, a host's mode changed. */
  private postState(): void {
    this.headlineAt = 0;
    if (this.ready) this.post({ type: 'state', state: this.state() });
  }

  /** Sends every changed row at once: one message per 100 ms, however many events arrived. */
  private flush(): void {
    this.flushTimer = undefined;
    const session = this.source.session;
    if (!this.ready || this.dirty.size === 0) {
      this.dirty.clear();
      return;
    }
    const rows = [];
    for (const id of this.dirty) {
      const record = session.record(id);
      if (record) rows.push(toConnectionRow(record, session.verdictOf(id)));
    }
    const selectedChanged = this.selectedId !== undefined && this.dirty.has(this.selectedId);
    this.dirty.clear();
    this.post({ type: 'rows', rows, state: this.state() });
    if (selectedChanged) this.postDetail();
  }

  /** Every kept connection (after Clear: none). */
  private postReset(): void {
    if (!this.ready) return;
    const session = this.source.session;
    this.headlineAt = 0;
    this.post({ type: 'reset', rows: session.records().map((r) => toConnectionRow(r, session.verdictOf(r.id))), state: this.state() });
    this.postDetail();
  }

  /** The selected connection's detail, with where the workspace pins its host. */
  private postDetail(): void {
    const session = this.source.session;
    const record = this.selectedId === undefined ? undefined : session.record(this.selectedId);
    if (!record) return;
    const pinnedAt = this.source.pinnedAt(targetHost(record));
    const capture = this.source.capture(record);
    this.post({
      type: 'detail',
      detail: {
        ...toConnectionDetail(record, session.verdictOf(record.id)),
        ...(pinnedAt.length > 0 ? { pinnedAt } : {}),
        capture: typeof capture === 'string' ? { captured: false, why: capture } : { captured: true },
      },
    });
  }

  private post(message: HostMessage): void {
    this.posted.set(message.type, (this.posted.get(message.type) ?? 0) + 1);
    void this.panel.webview.postMessage(message);
  }

  /** One handler per message from the webview (the compiler holds the table to the protocol). */
  private readonly handlers: MessageHandlers<WebviewMessage, Promise<void> | void> = {
    ready: () => {
      this.ready = true;
      this.postReset();
    },
    select: ({ id }) => {
      this.selectedId = id;
      this.postDetail();
    },
    exportRequest: async ({ hosts }) => {
      await exportExemptionRequest(this.context, { hosts }, this.source.session);
    },
    copy: async ({ text }) => {
      await vscode.env.clipboard.writeText(text);
      void vscode.window.setStatusBarMessage(vscode.l10n.t('Pinscope: copied'), 2000);
    },
    openPin: async ({ path, line }) => this.openPin(path, line),
    openDetail: ({ id }) => this.openDetail(id),
    openInWireshark: async ({ ids }) => openInWireshark(this.context, this.source, ids),
    tunnelHost: async ({ type, host }) => this.live(type, 'pinscope.tunnelHost', host),
    interceptHost: async ({ type, host }) => this.live(type, 'pinscope.interceptHost', host),
    confirmHost: async ({ type, host }) => this.live(type, 'pinscope.confirmHost', host),
    exportCa: async ({ type }) => this.live(type, 'pinscope.exportCaCertificate'),
    clear: async ({ type }) => this.live(type, 'pinscope.clearConnections'),
    startProxy: async ({ type }) => this.live(type, 'pinscope.startProxy'),
    stopProxy: async ({ type }) => this.live(type, 'pinscope.stopProxy'),
  };

  private async receive(message: WebviewMessage): Promise<void> {
    await dispatch(this.handlers, message);
  }

  /** A command that changes the live session: not available for a recording. */
  private async live(type: WebviewMessage['type'], command: string, ...args: unknown[]): Promise<void> {
    if (this.source.readOnly) {
      this.context.log.warn(`Inspector: "${type}" is not available for a recording`);
      return;
    }
    await vscode.commands.executeCommand(command, ...args);
  }

  /** The detail of a connection in an editor tab of its own, over the same source (live or a recording). */
  private openDetail(id: number): void {
    const record = this.source.session.record(id);
    if (!record) return;
    const panel = vscode.window.createWebviewPanel(
      DETAIL_VIEW_TYPE,
      `Pinscope: ${targetHost(record)}`,
      vscode.ViewColumn.Active,
      InspectorPanel.options(this.context),
    );
    const detail = new InspectorPanel(panel, this.context, this.source, id);
    InspectorPanel.details.add(detail);
  }

  /** Opens a pin configuration the scan found (a path from the webview is never opened unless it did). */
  private async openPin(path: string, line: number): Promise<void> {
    const uri = this.context.pins.locate(path);
    if (!uri) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Pinscope: no pin configuration is known at {0}; the workspace may have changed since the scan.', path),
      );
      return;
    }
    const position = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), preview: false });
  }

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    InspectorPanel.details.delete(this);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
