/** Proxied terminals, the same environment applied to every new integrated terminal (opt-in), and the hint when a terminal's program bypassed the proxy. */
import * as vscode from 'vscode';
import { EXTENDED_VARIABLES } from '../core/setup/proxyEnvironment';
import { routedEnvironment } from '../core/setup/routedEnvironment';
import { routedBanner, unroutedRuntimeFor } from '../core/setup/routedRuntimes';
import type { Engine } from '../core/engine';
import type { PinscopeContext } from './pinscopeContext';

/** The routed environment merged into the extension host's own (the bundle runs from dist/, next to the preload). */
export function environmentFor(engine: Engine, inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return routedEnvironment(engine, __dirname, inherited);
}

export function openProxiedTerminal(engine: Engine): vscode.Terminal {
  const terminal = vscode.window.createTerminal({
    name: `Pinscope :${engine.port}`,
    env: environmentFor(engine),
    message: routedBanner(engine.url),
    iconPath: new vscode.ThemeIcon('shield'),
  });
  terminal.show();
  return terminal;
}

/** Applies the proxy environment to new terminals while the proxy runs and the setting is on. */
export function syncTerminalEnvironment(collection: vscode.GlobalEnvironmentVariableCollection, engine: Engine | undefined, enabled: boolean): void {
  collection.clear();
  if (!engine || !enabled) return;
  collection.description = `Pinscope: route through ${engine.url} and trust its CA`;
  const extended = new Set<string>(EXTENDED_VARIABLES);
  for (const [name, value] of Object.entries(environmentFor(engine, {}))) {
    // The terminal's own NODE_OPTIONS / JAVA_TOOL_OPTIONS / PHP_INI_SCAN_DIR are kept: ours go after them.
    if (extended.has(name)) collection.append(name, name === 'PHP_INI_SCAN_DIR' ? value : ` ${value}`);
    else collection.replace(name, value);
  }
}

/**
 * When a command ends in a routed terminal and the proxy saw no connection begin while it ran, say so in
 * the log (with the fix, for runtimes known to ignore the environment). Needs shell integration.
 */
export function watchUnroutedCommands(context: PinscopeContext, applyToAllTerminals: () => boolean): vscode.Disposable {
  const started = new Map<vscode.TerminalShellExecution, { connections: number }>();
  const routed = (terminal: vscode.Terminal): boolean => {
    const env = (terminal.creationOptions as vscode.TerminalOptions).env;
    return env?.['PINSCOPE_PROXY'] !== undefined || applyToAllTerminals();
  };
  const seen = (): number => context.controller.engine?.records().length ?? 0;
  return vscode.Disposable.from(
    vscode.window.onDidStartTerminalShellExecution((event) => {
      if (context.controller.engine && routed(event.terminal)) started.set(event.execution, { connections: seen() });
    }),
    vscode.window.onDidEndTerminalShellExecution((event) => {
      const start = started.get(event.execution);
      started.delete(event.execution);
      if (!start || !context.controller.engine || seen() > start.connections) return;
      const command = event.execution.commandLine.value.trim();
      if (!command) return;
      const unrouted = unroutedRuntimeFor(command);
      const hint = unrouted ? ` ${unrouted.runtime} ${unrouted.why}; fix: ${unrouted.fix}.` : ' If it made HTTPS requests, its runtime ignores the proxy environment (see README: what is routed).';
      context.log.warn(`Pinscope saw no connection while "${command}" ran in terminal "${event.terminal.name}".${hint}`);
    }),
  );
}
