/** Every command of the extension, in one table. */
import * as vscode from 'vscode';
import { toShellExports } from '../core/setup/proxyEnvironment';
import { normaliseHost } from '../core/hostNames';
import { parseHostPattern } from '../core/proxy/hostPatterns';
import { exportCaCertificate } from './caExport';
import { exportExemptionRequest } from './exportRequest';
import { InspectorPanel } from './inspector/inspectorPanel';
import type { PinscopeContext } from './pinscopeContext';
import { environmentFor, openProxiedTerminal } from './terminals';

type CommandHandler = (context: PinscopeContext, ...args: unknown[]) => unknown;

async function runningEngine(context: PinscopeContext) {
  return context.controller.engine ?? (await context.controller.start());
}

async function askHost(argument: unknown, verb: string): Promise<string | undefined> {
  if (typeof argument === 'string' && argument.trim()) return normaliseHost(argument);
  const value = await vscode.window.showInputBox({
    title: `Pinscope: ${verb} host`,
    prompt: 'Host name, e.g. api.example.com',
    validateInput: (text) => {
      try {
        parseHostPattern(text);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
  });
  return value ? normaliseHost(value) : undefined;
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
  'pinscope.exportExemptionRequest': (context, hosts, format, appName) => exportExemptionRequest(context, {
    ...(Array.isArray(hosts) ? { hosts: hosts.filter((h): h is string => typeof h === 'string') } : {}),
    ...(typeof format === 'string' ? { format } : {}),
    ...(typeof appName === 'string' ? { appName } : {}),
  }),
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
  'pinscope.clearConnections': (context) => {
    context.controller.engine?.clear();
  },
  'pinscope.tunnelHost': async (context, host) => {
    const name = await askHost(host, 'Tunnel');
    if (!name) return;
    const engine = await runningEngine(context);
    engine?.chooseMode(name, 'tunnel');
    context.log.info(`${name}: tunnelled untouched from its next connection`);
    context.controller.onDidChange.emit();
  },
  'pinscope.interceptHost': async (context, host) => {
    const name = await askHost(host, 'Intercept');
    if (!name) return;
    const engine = await runningEngine(context);
    engine?.chooseMode(name, 'intercept');
    engine?.forgetConfirmation(name);
    context.log.info(`${name}: intercepted from its next connection`);
    context.controller.onDidChange.emit();
  },
  'pinscope.confirmHost': async (context, host) => {
    const name = await askHost(host, 'Confirm by tunnelling');
    if (!name) return;
    const engine = await runningEngine(context);
    engine?.confirm(name);
    context.log.info(`${name}: its next connection is tunnelled untouched to confirm whether it breaks only under inspection`);
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
