/**
 * Names the app or terminal a process runs under, from its chain of parents, and builds the label people
 * read: "Code terminal › bash › node server.js". Pure: given the chain, this label.
 */
import type { ProcessSummary } from './processIdentity';

/** The last part of a path, for POSIX and Windows paths alike (the tests read Windows tool output on Linux). */
export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** What the chain walker knows of each process (the process itself first, then its parents). */
export interface ChainLink {
  readonly pid: number;
  readonly name: string;
  readonly path: string | null;
  /** Already redacted. */
  readonly argv: readonly string[];
}

interface KnownApp {
  readonly label: string;
  readonly matches: (link: ChainLink) => boolean;
}

const exeName = (link: ChainLink): string =>
  baseName(link.path ?? link.name)
    .toLowerCase()
    .replace(/\.exe$/, '');
const argvText = (link: ChainLink): string => link.argv.join(' ');
const named =
  (...names: string[]) =>
  (link: ChainLink): boolean =>
    names.includes(exeName(link)) || names.includes(link.name.toLowerCase());

/** Recognised in order; the first app found walking up from the process wins. */
const KNOWN_APPS: readonly KnownApp[] = [
  {
    label: 'pinscope run',
    matches: (l) => l.argv.slice(0, 3).some((arg) => /(?:^|[/\\])(?:pinscope|cli\.js)$/.test(arg)) && l.argv.includes('run'),
  },
  // Debug sessions (js-debug, debugpy) are started by VS Code's extension host, terminals by its pty host.
  { label: 'Code debug session', matches: (l) => /--type=extensionHost|extensionHostProcess|\bextensionHost\b/.test(argvText(l)) },
  // VS Code's terminals hang off its pty host (an Electron utility process, or node in code-server).
  {
    label: 'Code terminal',
    matches: (l) =>
      /ptyHost|--type=ptyHost|node\.mojom\.NodeService.*(?:code|vscode)/i.test(argvText(l)) ||
      (/code-server|vscode-server|\.vscode-server/.test(argvText(l)) && /ptyHost|bootstrap-fork/.test(argvText(l))),
  },
  { label: 'VS Code', matches: named('code', 'code-insiders', 'codium', 'code-oss', 'cursor', 'windsurf', 'code-server') },
  { label: 'GNOME Terminal', matches: named('gnome-terminal-server', 'gnome-terminal', 'kgx', 'gnome-console') },
  { label: 'Konsole', matches: named('konsole') },
  { label: 'xterm', matches: named('xterm', 'uxterm', 'urxvt', 'rxvt') },
  {
    label: 'Terminal',
    matches: named('terminal', 'xfce4-terminal', 'mate-terminal', 'lxterminal', 'tilix', 'terminator', 'foot', 'st', 'qterminal'),
  },
  { label: 'Alacritty', matches: named('alacritty') },
  { label: 'kitty', matches: named('kitty') },
  { label: 'WezTerm', matches: named('wezterm-gui', 'wezterm') },
  { label: 'iTerm2', matches: named('iterm2') },
  { label: 'Windows Terminal', matches: named('windowsterminal', 'openconsole') },
  { label: 'tmux', matches: named('tmux', 'tmux: server') },
  { label: 'screen', matches: named('screen') },
  { label: 'SSH session', matches: named('sshd') },
  { label: 'systemd service', matches: named('systemd') },
  { label: 'Xcode', matches: named('xcode') },
  { label: 'Android Studio', matches: (l) => /android-studio|studio64/.test(argvText(l)) },
  { label: 'IntelliJ IDEA', matches: (l) => /idea64|intellij/i.test(argvText(l)) },
];

const MAX_SHOWN_PARENTS = 3;

function recogniseApp(link: ChainLink): string | null {
  return KNOWN_APPS.find((app) => app.matches(link))?.label ?? null;
}

const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@\s]*@)?([^/:?#\s]+)/i;
/** Option values that look like paths but are not what the program works on (curl --pinnedpubkey sha256//…). */
const PIN_VALUE = /^sha256\/\//i;

/** `node server.js`, `curl api.example.com`: the executable's name and its target (a URL's host, else a script), bounded. */
function shortCommand(link: ChainLink): string {
  const name = baseName(link.path ?? link.name);
  const args = link.argv.slice(1);
  const script =
    args.find((arg) => URL_HOST.test(arg)) ??
    args.find((arg) => !arg.startsWith('-') && !/^\d+$/.test(arg) && !PIN_VALUE.test(arg) && /[./\\]|^[a-z][\w-]*$/i.test(arg));
  const url = script ? URL_HOST.exec(script) : null;
  const text = script ? `${name} ${url?.[1] ?? baseName(script)}` : name;
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

export interface Ancestry {
  readonly app: string | null;
  readonly parents: readonly ProcessSummary[];
  readonly label: string;
}

/**
 * `chain` is the process first, then its parents (nearest first). The walk stops at the first
 * recognisable app; between it and the process, at most a few parents are named.
 */
export function describeAncestry(chain: readonly ChainLink[]): Ancestry {
  const self = chain[0];
  if (!self) return { app: null, parents: [], label: 'unknown process' };
  const parents: ProcessSummary[] = [];
  let app: string | null = null;
  for (const link of chain.slice(1)) {
    const recognised = recogniseApp(link);
    parents.push({ pid: link.pid, name: baseName(link.path ?? link.name) });
    if (recognised) {
      app = recognised;
      break;
    }
  }
  const between = (app ? parents.slice(0, -1) : parents.filter((p) => p.pid !== 1)).slice(0, MAX_SHOWN_PARENTS).reverse();
  const parts = [...(app ? [app] : []), ...between.map((p) => p.name), shortCommand(self)];
  return { app, parents, label: parts.join(' › ') };
}
