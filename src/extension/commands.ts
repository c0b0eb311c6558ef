/** Every command of the extension, in one table. */
import * as vscode from 'vscode';
import { toShellExports } from '../core/setup/proxyEnvironment';
import { exportCaCertificate } from './caExport';
import { exportExemptionRequest } from './exportRequest';
import { askHost, chooseHostMode, confirmHost, saveHostMode } from './hostActions';
import { InspectorPanel } from './inspector/inspectorPanel';
import { openRecording, recordingTarget, saveRecording } from './recordings/recordingCommands';
import { RecordingEditorProvider } from './recordings/recordingEditor';
import type { PinscopeContext } from './pinscopeContext';
import { environmentFor, openProxiedTerminal } from './terminals';

type CommandHandler = (context: PinscopeContext, ...args: unknown[]) => unknown;

/** Where the session's proxy listens, started first if it is not running. */
async function listening(context: PinscopeContext) {
  return context.controller.session.listening ?? (await context.controller.start());
}

const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  'pinscope.startProxy': async (context) => {
    const proxy = await context.controller.start();
    if (proxy)
      void vscode.window
        .showInformationMessage(vscode.l10n.t('Pinscope is listening on {0}.', proxy.url), vscode.l10n.t('Open Proxied Terminal'))
        .then((choice) => {
          if (choice) openProxiedTerminal(proxy);
        });
    return proxy?.port;
  },
  'pinscope.stopProxy': (context) => context.controller.stop(),
  'pinscope.restartProxy': async (context) => (await context.controller.restart())?.port,
  'pinscope.openInspector': (context) => {
    InspectorPanel.show(context);
  },
  // From the editor title of a recording, the first argument is its URI: export from that recording.
  'pinscope.exportExemptionRequest': (context, hosts, format, appName, recording) => {
    const uri = hosts instanceof vscode.Uri ? hosts : recording instanceof vscode.Uri ? recording : undefined;
    const session = uri ? RecordingEditorProvider.panelFor(uri)?.source.session : undefined;
    return exportExemptionRequest(
      context,
      {
        ...(Array.isArray(hosts) ? { hosts: hosts.filter((h): h is string => typeof h === 'string') } : {}),
        ...(typeof format === 'string' ? { format } : {}),
        ...(typeof appName === 'string' ? { appName } : {}),
      },
      session,
    );
  },
  'pinscope.saveRecording': (context, target) => saveRecording(context, target instanceof vscode.Uri ? target : undefined),
  'pinscope.openRecording': (context, target, selected) => openRecording(context, recordingTarget(target, selected)),
  'pinscope.exportCaCertificate': (context, target, format) =>
    exportCaCertificate(context.caDir, context.log, {
      ...(target instanceof vscode.Uri ? { target } : {}),
      ...(format === 'pem' || format === 'der' ? { der: format === 'der' } : {}),
    }),
  'pinscope.openProxiedTerminal': async (context) => {
    const proxy = await listening(context);
    return proxy ? openProxiedTerminal(proxy) : undefined;
  },
  'pinscope.copyProxyEnvironment': async (context) => {
    const proxy = await listening(context);
    if (!proxy) return undefined;
    const text = toShellExports(environmentFor(proxy));
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(vscode.l10n.t('Pinscope: proxy environment copied as shell export lines.'));
    return text;
  },
  // Nothing is discarded without asking: `true` (scripts, tests) skips the question.
  'pinscope.clearConnections': async (context, confirmed) => {
    const session = context.controller.session;
    const count = session.connectionsKept;
    if (count === 0) return true;
    if (confirmed !== true) {
      const clear = vscode.l10n.t('Clear');
      const save = vscode.l10n.t('Save Recording…');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Clear the {0} recorded connection(s) and their verdicts?', count),
        { modal: true, detail: vscode.l10n.t('Save Recording… keeps them in a file first.') },
        clear,
        save,
      );
      if (choice === save) await saveRecording(context);
      if (choice !== clear) return false;
    }
    session.clear();
    return true;
  },
  'pinscope.tunnelHost': async (context, host) => {
    const name = await askHost(host, vscode.l10n.t('Pinscope: Tunnel host'));
    if (name) await chooseHostMode(context, name, 'tunnel');
    return name;
  },
  'pinscope.interceptHost': async (context, host) => {
    const name = await askHost(host, vscode.l10n.t('Pinscope: Intercept host'));
    if (name) await chooseHostMode(context, name, 'intercept');
    return name;
  },
  'pinscope.confirmHost': async (context, host) => {
    const name = await askHost(host, vscode.l10n.t('Pinscope: Confirm by tunnelling host'));
    if (name) await confirmHost(context, name);
    return name;
  },
  'pinscope.saveHostMode': async (context, host, mode, scope) => {
    const name = await askHost(host, vscode.l10n.t('Pinscope: Save the mode of a host'));
    if (!name) return undefined;
    const chosen = mode === 'tunnel' || mode === 'intercept' ? mode : (context.controller.session.hostChoices.get(name) ?? 'tunnel');
    return saveHostMode(context, name, chosen, scope === 'user' ? 'user' : 'workspace');
  },
  'pinscope.manageConfirmations': async (context) => {
    const session = context.controller.session;
    const entries = session.listening ? session.confirmations() : [];
    if (entries.length === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Pinscope: no host is being confirmed by tunnelling, and none has been learned.'),
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      entries.map((e) => ({
        host: e.host,
        label: e.host,
        description:
          e.state === 'confirmed'
            ? vscode.l10n.t('breaks only under inspection (confirmed)')
            : e.state === 'not-confirmed'
              ? vscode.l10n.t('also fails when tunnelled')
              : e.state === 'pending'
                ? vscode.l10n.t('next connection will be tunnelled')
                : vscode.l10n.t('{0} failure(s) so far', e.failures),
        detail: vscode.l10n.t('learned {0}; expires after 15 minutes', new Date(e.updatedAt).toLocaleTimeString()),
      })),
      { title: vscode.l10n.t('Pinscope: learned confirmation entries — pick the ones to forget'), canPickMany: true },
    );
    for (const item of picked ?? []) session.forgetConfirmation(item.host);
    if (picked?.length) context.controller.onDidChange.emit();
  },
  'pinscope.showLog': (context) => context.log.show(),
};

export function registerCommands(context: PinscopeContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => handler(context, ...args)),
  );
}
