/** Holds the session for VS Code: starts, stops and reconfigures its proxy from the settings, and says what happened. */
import { isLoopbackAddress } from '../core/hostNames';
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { DEFAULT_CONFIRMATION } from '../core/diagnosis/confirmation';
import { humanLine } from '../core/report/connectionReport';
import { Session, type JudgedNotice, type Listening } from '../core/session';
import { ProxyStartError } from '../core/proxy/proxyOptions';
import { Channel } from '../core/connectionStore';
import { reviewCertificateAuthority } from './caExport';
import type { KeptPort } from './keptPort';
import { RESTART_SETTINGS, SECTION, SettingError, type Settings } from './settings';

const RUNNING_CONTEXT_KEY = 'pinscope.running';
const HAS_RECORDS_CONTEXT_KEY = 'pinscope.hasRecords';

/** The kept port was busy at a start: the proxy listens on another one, and what pointed at the old one is stale. */
export interface PortMove {
  readonly from: string;
  readonly to: string;
}

/** How a confirmation by tunnelling ended, as the notification said it. */
export interface ConfirmationOutcome {
  readonly host: string;
  readonly confirmed: boolean;
  readonly message: string;
}

/** Why the last start failed, for the status bar's error state; cleared by the next start. */
export interface StartFailure {
  readonly message: string;
  readonly setting: string | undefined;
}

export class ProxyController implements vscode.Disposable {
  private starting: Promise<Listening | undefined> | undefined;
  private failure: StartFailure | undefined;
  private hasRecords = false;
  private readonly listened: string[] = [];
  /** The one session: the connections seen, their verdicts and the hosts' choices, kept across Stop, Restart and restarts for settings; its proxy while it runs. */
  readonly session: Session;
  /** Fires when the proxy starts or stops, and when a connection is judged. */
  readonly onDidChange = new Channel<void>();
  readonly onJudged = new Channel<JudgedNotice>();
  /** Fires once when the session's connections are cleared. */
  readonly onCleared = new Channel<void>();
  /** Fires when a start could not bind the kept port and took another. */
  readonly onPortMoved = new Channel<PortMove>();
  /** Fires when a confirmation asked for ("Confirm by tunnelling") ends, with what the user was told. */
  readonly onConfirmationSettled = new Channel<ConfirmationOutcome>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly settings: Settings,
    private readonly caDir: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly keptPort: KeptPort,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SECTION)) void this.applySettings(event);
      }),
    );
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, false);
    void vscode.commands.executeCommand('setContext', HAS_RECORDS_CONTEXT_KEY, false);
    this.session = new Session({ maxConnectionsKept: settings.maxConnectionsKept, onError: (message) => this.log.error(message) });
    this.session.onJudged.subscribe((notice) => {
      const line = humanLine(notice.line, false);
      if (notice.verdict.category === 'ok' || notice.verdict.category === 'not-tls') this.log.info(line);
      else this.log.warn(line);
      this.markHasRecords(true);
      this.onJudged.emit(notice);
    });
    this.session.onCleared.subscribe(() => {
      const listening = this.session.listening;
      this.listened.splice(0, this.listened.length, ...(listening ? [listening.url] : []));
      this.markHasRecords(this.session.connectionsKept > 0);
      this.onCleared.emit();
    });
  }

  /** The URLs the proxy listened on since the session began or was cleared: a recording's header names them. */
  get listenedOn(): readonly string[] {
    return [...this.listened];
  }

  /** Why the last start failed, until the next start. */
  get startFailure(): StartFailure | undefined {
    return this.failure;
  }

  private markHasRecords(value: boolean): void {
    if (value === this.hasRecords) return;
    this.hasRecords = value;
    void vscode.commands.executeCommand('setContext', HAS_RECORDS_CONTEXT_KEY, value);
  }

  /**
   * Starts the proxy; errors become notifications with an action that helps. Returns undefined on failure.
   * `port` overrides `pinscope.port` for this run only ("Use a Free Port This Time").
   */
  async start(port?: number): Promise<Listening | undefined> {
    const listening = this.session.listening;
    if (listening) return listening;
    this.starting ??= this.doStart(port).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(portOverride: number | undefined): Promise<Listening | undefined> {
    try {
      const settings = this.settings;
      const listen = settings.listenAddress;
      const configured = portOverride ?? settings.port;
      // Any free port (0): the one this workspace had before, so what points at it keeps working.
      const kept = portOverride === undefined && configured === 0 ? this.keptPort.port : undefined;
      this.session.maxConnectionsKept = settings.maxConnectionsKept;
      this.session.configureConfirmation({ ...DEFAULT_CONFIRMATION, enabled: settings.confirmByTunnelling });
      const startOn = (port: number) =>
        this.session.start({
          caDir: this.caDir,
          host: listen,
          port,
          handshakeTimeoutMs: settings.handshakeTimeoutMs,
          tunnelHosts: settings.tunnelHosts,
          hostOverrides: settings.hostOverrides,
          upstreamCaFiles: settings.upstreamCaFiles,
          clientCertificates: settings.clientCertificates,
          inspectionProfile:
            settings.intermediateCa && settings.inspectionProfile === 'generic' ? 'own-intermediate' : settings.inspectionProfile,
          intermediateCa: settings.intermediateCa,
          upstreamProxy: settings.upstreamProxy,
          keylogFile: settings.keyLogFile,
          captureBytes: settings.captureBytes,
          attributeProcesses: settings.attributeProcesses,
        });
      const listening = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Pinscope: starting the proxy') },
        async () => {
          if (kept === undefined) return startOn(configured);
          try {
            return await startOn(kept);
          } catch (error) {
            if (!(error instanceof ProxyStartError && error.code === 'EADDRINUSE')) throw error;
            this.log.warn(`Port ${kept}, where this workspace's proxy listened before, is taken: listening on another free port.`);
            return startOn(0);
          }
        },
      );
      if (configured === 0 && portOverride === undefined) await this.keptPort.keep(listening.port);
      this.failure = undefined;
      if (!this.listened.includes(listening.url)) this.listened.push(listening.url);
      if (listening.ca.created)
        this.log.info(`Created a new Pinscope CA in ${listening.ca.directory} (SHA-256 ${listening.ca.fingerprint256})`);
      this.log.info(`Proxy listening on ${listening.url}`);
      reviewCertificateAuthority(listening.ca, this.log, () => this.restart());
      if (!isLoopbackAddress(listen)) {
        void vscode.window
          .showWarningMessage(
            vscode.l10n.t('Pinscope is listening on {0}: other machines can use this proxy and see intercepted traffic.', listen),
            vscode.l10n.t('Open Setting'),
          )
          .then((choice) => {
            if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'pinscope.listenAddress');
          });
      }
      await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
      this.onDidChange.emit();
      if (kept !== undefined && listening.port !== kept)
        this.onPortMoved.emit({ from: listening.url.replace(/:\d+$/, `:${kept}`), to: listening.url });
      return listening;
    } catch (error) {
      this.reportStartError(error);
      return undefined;
    }
  }

  private reportStartError(error: unknown): void {
    const message = errorMessage(error);
    this.failure = {
      message,
      setting:
        error instanceof SettingError
          ? error.setting
          : error instanceof ProxyStartError && error.code === 'EADDRINUSE'
            ? 'port'
            : undefined,
    };
    this.onDidChange.emit();
    this.log.error(`Cannot start the proxy: ${message}`);
    if (error instanceof ProxyStartError && error.code === 'EADDRINUSE') {
      // A free port for this run only: pinscope.port is the user's, it is never rewritten unasked.
      const freePort = vscode.l10n.t('Use a Free Port This Time');
      void vscode.window
        .showErrorMessage(vscode.l10n.t('Pinscope: {0}', message), freePort, vscode.l10n.t('Open Setting'))
        .then(async (choice) => {
          if (choice === freePort) {
            const listening = await this.start(0);
            if (listening)
              void vscode.window.showInformationMessage(
                vscode.l10n.t('Pinscope is listening on {0} for this run; pinscope.port is unchanged.', listening.url),
              );
          } else if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'pinscope.port');
        });
      return;
    }
    const setting = error instanceof SettingError ? `pinscope.${error.setting}` : 'pinscope';
    const openSettings = vscode.l10n.t('Open Settings');
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window
      .showErrorMessage(vscode.l10n.t('Pinscope cannot start the proxy: {0}', message), openSettings, showLog)
      .then((choice) => {
        if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
        else if (choice === showLog) this.log.show();
      });
  }

  async stop(): Promise<void> {
    if (!this.session.listening) return;
    await this.session.stop();
    this.log.info('Proxy stopped');
    await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, false);
    this.onDidChange.emit();
  }

  async restart(): Promise<Listening | undefined> {
    await this.stop();
    return this.start();
  }

  private async applySettings(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (event.affectsConfiguration(`${SECTION}.maxConnectionsKept`)) this.session.maxConnectionsKept = this.settings.maxConnectionsKept;
    const session = this.session;
    if (!session.listening) return;
    try {
      if (event.affectsConfiguration(`${SECTION}.tunnelHosts`)) session.setTunnelHosts(this.settings.tunnelHosts);
      if (event.affectsConfiguration(`${SECTION}.handshakeTimeoutMs`)) session.setHandshakeTimeout(this.settings.handshakeTimeoutMs);
      if (event.affectsConfiguration(`${SECTION}.confirmByTunnelling`)) {
        session.configureConfirmation({ ...DEFAULT_CONFIRMATION, enabled: this.settings.confirmByTunnelling });
      }
    } catch (error) {
      this.log.error(errorMessage(error));
      void vscode.window.showErrorMessage(vscode.l10n.t('Pinscope: {0}', errorMessage(error)));
      return;
    }
    if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`))) {
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Pinscope: this setting applies when the proxy restarts (the connections recorded so far are kept).'),
        vscode.l10n.t('Restart Proxy'),
      );
      if (choice) await this.restart();
    }
    this.onDidChange.emit();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.stop();
  }
}
