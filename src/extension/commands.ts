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

async function runningEngine(context: PinscopeContext) {
  return context.controller.engine ?? (await context.controller.start());
}

const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  'pinscope.startProxy': async (context) => {
    const engine = await context.controller.start();
    if (engine) void vscode.window.showInformationMessage(`Pinscope is listening on ${engine.url}.`, 'Open Proxied Terminal').then((choice) => {
      if (choice) openProxiedTerminal(engine);
    });
    return engine?.port;
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
    return exportExemptionRequest(context, {
      ...(Array.isArray(hosts) ? { hosts: hosts.filter((h): h is string => typeof h === 'string') } : {}),
      ...(typeof format === 'string' ? { format } : {}),
      ...(typeof appName === 'string' ? { appName } : {}),
    }, session);
  },
  'pinscope.saveRecording': (context, target) => saveRecording(context, target instanceof vscode.Uri ? target : undefined),
  'pinscope.openRecording': (context, target, selected) => openRecording(context, recordingTarget(target, selected)),
  'pinscope.exportCaCertificate': (context, target, format) => exportCaCertificate(context.caDir, context.log, {
    ...(target instanceof vscode.Uri ? { target } : {}),
    ...(format === 'pem' || format === 'der' ? { der: format === 'der' } : {}),
  }),
  'pinscope.openProxiedTerminal': async (context) => {
    const engine = await runningEngine(context);
    return engine ? openProxiedTerminal(engine) : undefined;
  },
  'pinscope.copyProxyEnvironment': async (context) => {
    const engine = await runningEngine(context);
    if (!engine) return undefined;
    const text = toShellExports(environmentFor(engine));
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage('Pinscope: proxy environment copied as shell export lines.');
    return text;
  },
  // Nothing is discarded without asking: `true` (scripts, tests) skips the question.
  'pinscope.clearConnections': async (context, confirmed) => {
    const session = context.controller.session;
    const count = session.connectionsKept;
    if (count === 0) return true;
    if (confirmed !== true) {
      const choice = await vscode.window.showWarningMessage(`Clear the ${count} recorded connection(s) and their verdicts?`, { modal: true, detail: 'Save Recording… keeps them in a file first.' }, 'Clear', 'Save Recording…');
      if (choice === 'Save Recording…') await saveRecording(context);
      if (choice !== 'Clear') return false;
    }
    session.clear();
    return true;
  },
  'pinscope.tunnelHost': async (context, host) => {
    const name = await askHost(host, 'Tunnel');
    if (name) await chooseHostMode(context, name, 'tunnel');
    return name;
  },
  'pinscope.interceptHost': async (context, host) => {
    const name = await askHost(host, 'Intercept');
    if (name) await chooseHostMode(context, name, 'intercept');
    return name;
  },
  'pinscope.confirmHost': async (context, host) => {
    const name = await askHost(host, 'Confirm by tunnelling');
    if (name) await confirmHost(context, name);
    return name;
  },
  'pinscope.saveHostMode': async (context, host, mode, scope) => {
    const name = await askHost(host, 'Save the mode of a');
    if (!name) return undefined;
    const chosen = mode === 'tunnel' || mode === 'intercept' ? mode : context.controller.session.hostChoices.get(name) ?? 'tunnel';
    return saveHostMode(context, name, chosen, scope === 'user' ? 'user' : 'workspace');
  },
  'pinscope.manageConfirmations': async (context) => {
    const engine = context.controller.engine;
    const entries = engine?.confirmations() ?? [];
    if (!engine || entries.length === 0) {
      void vscode.window.showInformationMessage('Pinscope: no host is being confirmed by tunnelling, and none has been learned.');
      return;
    }
    const picked = await vscode.window.showQuickPick(entries.map((e) => ({
      label: e.host,
      description: e.state === 'confirmed' ? 'breaks only under inspection (confirmed)' : e.state === 'not-confirmed' ? 'also fails when tunnelled' : e.state === 'pending' ? 'next connection will be tunnelled' : `${e.failures} failure(s) so far`,
      detail: `learned ${new Date(e.updatedAt).toLocaleTimeString()}; expires after 15 minutes`,
    })), { title: 'Pinscope: learned confirmation entries — pick the ones to forget', canPickMany: true });
    for (const item of picked ?? []) engine.forgetConfirmation(item.label);
    if (picked?.length) context.controller.onDidChange.emit();
  },
  'pinscope.showLog': (context) => context.log.show(),
};

export function registerCommands(context: PinscopeContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) => vscode.commands.registerCommand(id, (...args: unknown[]) => handler(context, ...args)));
}
