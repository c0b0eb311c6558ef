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

/** What was said about a command that the proxy saw nothing from (read by the integration tests). */
export interface UnroutedNotice {
  readonly command: string;
  readonly terminal: string;
  readonly message: string;
}

/**
 * When a command ends in a routed terminal and the proxy saw no connection begin while it ran, say so —
 * in a notification with the fix for runtimes known to ignore the environment, and in the log. Needs
 * shell integration. `onNotice` hears each notice.
 */
export function watchUnroutedCommands(context: PinscopeContext, applyToAllTerminals: () => boolean, onNotice: (notice: UnroutedNotice) => void = () => undefined): vscode.Disposable {
  const started = new Map<vscode.TerminalShellExecution, { connections: number }>();
  const routed = (terminal: vscode.Terminal): boolean => {
    const env = (terminal.creationOptions as vscode.TerminalOptions).env;
    return env?.['PINSCOPE_PROXY'] !== undefined || applyToAllTerminals();
  };
  // Connections accepted since activation: the store is bounded, a count of its records would stop growing.
  let accepted = 0;
  const counting = context.controller.session.onEvent.subscribe(({ event }) => {
    if (event.kind === 'accepted') accepted++;
  });
  return vscode.Disposable.from(
    new vscode.Disposable(() => counting.dispose()),
    vscode.window.onDidStartTerminalShellExecution((event) => {
      if (context.controller.engine && routed(event.terminal)) started.set(event.execution, { connections: accepted });
    }),
    vscode.window.onDidEndTerminalShellExecution((event) => {
      const start = started.get(event.execution);
      started.delete(event.execution);
      if (!start || !context.controller.engine || accepted > start.connections) return;
      const command = event.execution.commandLine.value.trim();
      if (!command) return;
      const unrouted = unroutedRuntimeFor(command);
      const hint = unrouted ? `${unrouted.runtime} ${unrouted.why}. Fix: ${unrouted.fix}.` : 'If it made HTTPS requests, its runtime ignores the proxy environment (see the README: what is routed).';
      // Notifications turn [text](target) into links: a command line must not become one.
      const shown = (command.length > 80 ? `${command.slice(0, 77)}…` : command).replace(/\]\(/g, '] (');
      const message = `Pinscope saw no connection while "${shown}" ran in terminal "${event.terminal.name}". ${hint}`;
      context.log.warn(message);
      onNotice({ command, terminal: event.terminal.name, message });
      void vscode.window.showWarningMessage(message, 'Show Log').then((choice) => {
        if (choice) context.log.show();
      });
    }),
  );
}
