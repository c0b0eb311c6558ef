/**
 * Debug through the proxy: launch configurations of the runtimes Pinscope routes get the routed
 * environment, when `pinscope.debugThroughProxy` is on or the session was started by "Debug with
 * Pinscope" — so a developer debugs their app while Pinscope watches its connections.
 */
import * as vscode from 'vscode';
import type { PinscopeContext } from './pinscopeContext';
import { environmentFor } from './terminals';

/** node/pwa-node/node-terminal (js-debug), python/debugpy, java, go (Delve), dart. */
const ROUTED_DEBUG_TYPES = ['node', 'pwa-node', 'node-terminal', 'python', 'debugpy', 'java', 'go'] as const;
/** Set on configurations started by "Debug with Pinscope". */
const MARKER = 'pinscopeRouted';

export function registerDebugThroughProxy(context: PinscopeContext): vscode.Disposable[] {
  const provider: vscode.DebugConfigurationProvider = {
    resolveDebugConfigurationWithSubstitutedVariables: async (_folder, configuration) => {
      const wanted =
        configuration[MARKER] === true || vscode.workspace.getConfiguration('pinscope').get<boolean>('debugThroughProxy', false);
      if (!wanted || configuration.request !== 'launch') return configuration;
      const proxy = context.controller.session.listening ?? (configuration[MARKER] === true ? await context.controller.start() : undefined);
      if (!proxy) return configuration;
      const own = isStringRecord(configuration['env']) ? configuration['env'] : {};
      const env = { ...own, ...environmentFor(proxy, { ...process.env, ...own }) };
      context.log.info(`Debug session "${configuration.name}" (${configuration.type}) goes through ${proxy.url}.`);
      return { ...configuration, env };
    },
  };
  return [
    ...ROUTED_DEBUG_TYPES.map((type) => vscode.debug.registerDebugConfigurationProvider(type, provider)),
    vscode.commands.registerCommand('pinscope.debugWithPinscope', (configuration?: vscode.DebugConfiguration) =>
      debugWithPinscope(configuration),
    ),
  ];
}

/** Starts the given launch configuration — or one picked from launch.json — through the proxy. */
async function debugWithPinscope(configuration?: vscode.DebugConfiguration): Promise<boolean> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const chosen = configuration ?? (await pickLaunchConfiguration(folder));
  if (!chosen) return false;
  return vscode.debug.startDebugging(folder, { ...chosen, [MARKER]: true });
}

async function pickLaunchConfiguration(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration | undefined> {
  const all = vscode.workspace.getConfiguration('launch', folder?.uri).get<vscode.DebugConfiguration[]>('configurations', []);
  const routable = all.filter((c) => (ROUTED_DEBUG_TYPES as readonly string[]).includes(c.type) && c.request === 'launch');
  if (routable.length === 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Pinscope: no launch configuration of a routed type ({0}) in launch.json.', ROUTED_DEBUG_TYPES.join(', ')),
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    routable.map((c) => ({ label: c.name, description: c.type, configuration: c })),
    { title: vscode.l10n.t('Debug with Pinscope') },
  );
  return picked?.configuration;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}
