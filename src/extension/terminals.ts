/** Proxied terminals, the same environment applied to every new integrated terminal (opt-in), and the hint when a terminal's program bypassed the proxy. */
import * as vscode from 'vscode';
import { EXTENDED_VARIABLES } from '../core/setup/proxyEnvironment';
import { routedEnvironment } from '../core/setup/routedEnvironment';
import { routedRuntimeNames, unroutedRuntimeFor } from '../core/setup/routedRuntimes';
import type { Listening } from '../core/session';
import type { PinscopeContext } from './pinscopeContext';
import type { PortMove, ProxyController } from './proxyController';

/** The routed environment merged into the extension host's own (the bundle runs from dist/, next to the preload). */
export function environmentFor(proxy: Listening, inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return routedEnvironment(proxy, __dirname, inherited);
}

/** The terminal prints its message at its first width (often narrower than it ends up): lines kept short enough never to be cut. */
const BANNER_COLUMNS = 64;

function wrapBanner(text: string): string {
  return text
    .split('\r\n')
    .flatMap((line) => {
      const lead = /^\s*(?:• )?/.exec(line)?.[0] ?? '';
      const hanging = ' '.repeat(lead.length);
      const out: string[] = [];
      let current = lead;
      let empty = true;
      for (const word of line.slice(lead.length).split(' ')) {
        if (!empty && current.length + 1 + word.length > BANNER_COLUMNS) {
          out.push(current);
          current = `${hanging}${word}`;
        } else current = empty ? `${current}${word}` : `${current} ${word}`;
        empty = false;
      }
      out.push(current);
      return out;
    })
    .join('\r\n');
}

/** The proxied terminal's banner: what is routed, in one line per runtime. */
function routedBanner(proxyUrl: string): string {
  const { routed, unrouted } = routedRuntimeNames();
  return [
    vscode.l10n.t('Pinscope: programs in this terminal go through {0} and trust its CA. Routed and trusted:', proxyUrl),
    ...routed.map((runtime) => `  • ${runtime}`),
    vscode.l10n.t('Not routable from outside: {0} (see README).', unrouted.join(', ')),
  ].join('\r\n');
}

export function openProxiedTerminal(proxy: Listening): vscode.Terminal {
  const terminal = vscode.window.createTerminal({
    name: vscode.l10n.t('Pinscope :{0}', proxy.port),
    env: environmentFor(proxy),
    message: wrapBanner(routedBanner(proxy.url)),
    iconPath: new vscode.ThemeIcon('shield'),
  });
  terminal.show();
  return terminal;
}

/** The proxy URL a terminal's environment points at, when Pinscope created it with one. */
function routedTo(terminal: vscode.Terminal): string | undefined {
  return (terminal.creationOptions as vscode.TerminalOptions).env?.['PINSCOPE_PROXY'] ?? undefined;
}

/**
 * When a start could not bind the kept port, the proxied terminals opened before point at a dead port:
 * say so once, with how many, and mark each one stale (renamed) when it becomes the active terminal —
 * VS Code renames only the active one, and taking the focus to rename would be worse.
 */
export function markStaleTerminals(controller: ProxyController, log: vscode.LogOutputChannel): vscode.Disposable {
  const stale = new Set<vscode.Terminal>();
  const rename = (terminal: vscode.Terminal | undefined): void => {
    if (!terminal || !stale.delete(terminal)) return;
    const target = routedTo(terminal);
    const url = controller.session.listening?.url;
    if (!url || target === url) return;
    void vscode.commands.executeCommand('workbench.action.terminal.renameWithArg', {
      name: vscode.l10n.t('{0} (stale: the proxy moved to {1})', terminal.name, url),
    });
  };
  const moved = controller.onPortMoved.subscribe((move: PortMove) => {
    const terminals = vscode.window.terminals.filter((t) => routedTo(t) === move.from);
    for (const terminal of terminals) stale.add(terminal);
    const message = staleMessage(move, terminals.length);
    log.warn(message);
    rename(vscode.window.activeTerminal);
    void vscode.window.showWarningMessage(message, vscode.l10n.t('Open Proxied Terminal')).then((choice) => {
      const proxy = controller.session.listening;
      if (choice && proxy) openProxiedTerminal(proxy);
    });
  });
  return vscode.Disposable.from(
    new vscode.Disposable(() => moved.dispose()),
    vscode.window.onDidChangeActiveTerminal(rename),
    vscode.window.onDidCloseTerminal((terminal) => stale.delete(terminal)),
  );
}

function staleMessage(move: PortMove, terminals: number): string {
  return terminals === 0
    ? vscode.l10n.t(
        'Pinscope listens on {0}: {1}, where it listened before, is taken by another program. Copied environments and programs started before still point at {1}: open a new proxied terminal.',
        move.to,
        move.from,
      )
    : vscode.l10n.t(
        'Pinscope listens on {0}: {1}, where it listened before, is taken by another program. {2} proxied terminal(s) opened before, copied environments and programs started before still point at {1}: open a new proxied terminal.',
        move.to,
        move.from,
        terminals,
      );
}

/** Applies the proxy environment to new terminals while the proxy runs and the setting is on. */
export function syncTerminalEnvironment(
  collection: vscode.GlobalEnvironmentVariableCollection,
  proxy: Listening | undefined,
  enabled: boolean,
): void {
  collection.clear();
  if (!proxy || !enabled) return;
  collection.description = vscode.l10n.t('Pinscope: route through {0} and trust its CA', proxy.url);
  const extended = new Set<string>(EXTENDED_VARIABLES);
  for (const [name, value] of Object.entries(environmentFor(proxy, {}))) {
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

/** The README's section on what a routed environment routes (notifications turn the Markdown link into a link). */
const WHAT_IS_ROUTED = 'https://github.com/pinscope/pinscope#what-is-routed';

/** Why a routed terminal's command may have bypassed the proxy: the terminal points elsewhere, a runtime known to, or any. */
function unroutedHint(command: string, terminalProxy: string | undefined, proxyUrl: string): string {
  if (terminalProxy !== undefined && terminalProxy !== proxyUrl) {
    return vscode.l10n.t(
      'This terminal points at {0}, where the proxy listened when the terminal was opened; it now listens on {1} (that port was taken at a restart): open a new proxied terminal.',
      terminalProxy,
      proxyUrl,
    );
  }
  const unrouted = unroutedRuntimeFor(command);
  if (unrouted) return vscode.l10n.t('{0} {1}. Fix: {2}.', unrouted.runtime, unrouted.why, unrouted.fix);
  return vscode.l10n.t('If it made HTTPS requests, its runtime ignores the proxy environment: see [What is routed]({0}).', WHAT_IS_ROUTED);
}

/** How late a command's start event may reach the extension host after the shell started it. */
const START_EVENT_LAG_MS = 2000;

/**
 * When a command ends in a routed terminal and the proxy saw no connection begin while it ran, say so —
 * in a notification with the fix for runtimes known to ignore the environment, and in the log. Needs
 * shell integration. `onNotice` hears each notice.
 */
export function watchUnroutedCommands(
  context: PinscopeContext,
  applyToAllTerminals: () => boolean,
  onNotice: (notice: UnroutedNotice) => void = () => undefined,
): vscode.Disposable {
  const started = new Map<vscode.TerminalShellExecution, { connections: number; at: number }>();
  const routed = (terminal: vscode.Terminal): boolean => {
    const env = (terminal.creationOptions as vscode.TerminalOptions).env;
    return env?.['PINSCOPE_PROXY'] !== undefined || applyToAllTerminals();
  };
  // Connections accepted since activation: the store is bounded, a count of its records would stop growing.
  let accepted = 0;
  let lastAcceptedAt = Number.NEGATIVE_INFINITY;
  const counting = context.controller.session.onEvent.subscribe(({ event }) => {
    if (event.kind !== 'accepted') return;
    accepted++;
    lastAcceptedAt = Date.now();
  });
  return vscode.Disposable.from(
    new vscode.Disposable(() => counting.dispose()),
    vscode.window.onDidStartTerminalShellExecution((event) => {
      if (context.controller.session.listening && routed(event.terminal))
        started.set(event.execution, { connections: accepted, at: Date.now() });
    }),
    vscode.window.onDidEndTerminalShellExecution((event) => {
      const start = started.get(event.execution);
      started.delete(event.execution);
      // The start event reaches the extension host after the shell started the command (a quick curl's
      // connection was seen 4 ms before it in code-server): a connection just before it counts too.
      const proxy = context.controller.session.listening;
      if (!start || !proxy || accepted > start.connections || lastAcceptedAt >= start.at - START_EVENT_LAG_MS) return;
      const command = event.execution.commandLine.value.trim();
      if (!command) return;
      const hint = unroutedHint(command, routedTo(event.terminal), proxy.url);
      // Notifications turn [text](target) into links: a command line must not become one.
      const shown = (command.length > 80 ? `${command.slice(0, 77)}…` : command).replace(/\]\(/g, '] (');
      const message = vscode.l10n.t('Pinscope saw no connection while "{0}" ran in terminal "{1}". {2}', shown, event.terminal.name, hint);
      context.log.warn(message);
      onNotice({ command, terminal: event.terminal.name, message });
      void vscode.window.showWarningMessage(message, vscode.l10n.t('Show Log')).then((choice) => {
        if (choice) context.log.show();
      });
    }),
  );
}
