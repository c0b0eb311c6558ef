/**
 * Installs code-server (VS Code's real server and Node extension host) into a per-user cache folder,
 * offline, for running the integration suite where `@vscode/test-electron` cannot download VS Code.
 * Recipe and pitfalls: docs/testing-offline.md.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** Packages in code-server's tree whose install scripts must run (npm 11 blocks them by default). */
const PACKAGES_WITH_INSTALL_SCRIPTS = [
  'code-server',
  'vscode-extensions',
  'argon2',
  'kerberos',
  'node-pty',
  'native-watchdog',
  '@vscode/ripgrep',
  '@vscode/spdlog',
  '@vscode/deviceid',
  '@parcel/watcher',
];

function allowScripts(): Record<string, true> {
  return Object.fromEntries(PACKAGES_WITH_INSTALL_SCRIPTS.map((name) => [name, true]));
}

export function codeServerDir(): string {
  const override = process.env['PINSCOPE_CODE_SERVER_DIR'];
  if (override) return override;
  const cache = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(cache, 'pinscope', `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerEntry(dir = codeServerDir()): string {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Returns the folder of a complete install, installing it first when needed (about 2 minutes). */
export function ensureCodeServer(log: (line: string) => void = console.error): string {
  const dir = codeServerDir();
  const marker = join(dir, '.complete');
  if (existsSync(marker) && existsSync(codeServerEntry(dir))) return dir;
  for (const tool of ['/usr/bin/rg', '/usr/bin/chromium']) {
    if (!existsSync(tool))
      throw new Error(`${tool} is missing: install the Debian packages chromium, ripgrep and libkrb5-dev (see .ci/run)`);
  }
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (one time, about 2 minutes)`);
  rmSync(dir, { recursive: true, force: true });
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  seedRipgrepCache(tmp);
  // npm 11 runs no dependency install script unless the project's package.json allows it by name, and
  // code-server's postinstall runs nested `npm install`s in lib/vscode and lib/vscode/extensions: so fetch
  // everything without scripts, write the allow-list into each of the three package.json files, then rebuild.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, allowScripts: allowScripts() }));
  const env = { ...process.env, TMPDIR: tmp, npm_config_unsafe_perm: 'true', npm_config_nodedir: '/usr', npm_config_yes: 'true' };
  const npm = (args: string[]): void => {
    execFileSync('npm', args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'], env, timeout: 15 * 60_000 });
  };
  npm(['install', '--ignore-scripts', '--no-save', `code-server@${CODE_SERVER_VERSION}`]);
  const vscodeDir = join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  for (const nested of [vscodeDir, join(vscodeDir, 'extensions')]) {
    const manifestPath = join(nested, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, allowScripts: allowScripts() }, null, 2));
  }
  npm(['rebuild']);
  if (!existsSync(codeServerEntry(dir))) throw new Error(`code-server install finished without ${codeServerEntry(dir)}`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return dir;
}

/** @vscode/ripgrep's postinstall downloads rg from GitHub; a cached archive holding Debian's rg makes it offline. */
function seedRipgrepCache(tmp: string): void {
  const cacheDir = join(tmp, `vscode-ripgrep-cache-${RIPGREP_VERSION}`);
  mkdirSync(cacheDir, { recursive: true });
  const staging = join(tmp, 'rg-staging');
  mkdirSync(staging, { recursive: true });
  copyFileSync('/usr/bin/rg', join(staging, 'rg'));
  execFileSync('tar', ['-czf', join(cacheDir, RIPGREP_ASSET), '-C', staging, 'rg']);
}
