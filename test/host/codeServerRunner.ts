/**
 * Runs the integration suite inside code-server's real Node extension host, driven by Debian's
 * Chromium through playwright-core (docs/testing-offline.md). Exits with the suite's code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { driveWebviewRequests } from './webviewDriver';
import { CODE_SERVER_VERSION, codeServerEntry, ensureCodeServer } from './codeServerInstall';

export const CHROMIUM = process.env['PINSCOPE_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface HostRunOptions {
  readonly extensionPath: string;
  readonly testsPath: string;
  readonly workspace: string;
  readonly timeoutMs: number;
  /** Called with the page once the workbench loaded, e.g. for webview checks; optional. */
  readonly log?: (line: string) => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early with status ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

export async function runInCodeServer(options: HostRunOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = ensureCodeServer((line) => log(line));
  const port = await freePort();
  const scratch = mkdtempSync(join(tmpdir(), 'pinscope-code-server-'));
  const signals = join(scratch, 'signals');
  mkdirSync(signals, { recursive: true });
  for (const sub of ['user', 'ext', 'xdg-config', 'xdg-data', 'xdg-cache', 'tmp']) mkdirSync(join(scratch, sub), { recursive: true });
  writeFileSync(join(scratch, 'config.yaml'), 'auth: none\n');
  writeFileSync(
    join(scratch, 'user', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off' }),
  );
  mkdirSync(join(scratch, 'user', 'User'), { recursive: true });
  writeFileSync(
    join(scratch, 'user', 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false }),
  );
  const server = spawn(
    process.execPath,
    [
      codeServerEntry(dir),
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--config',
      join(scratch, 'config.yaml'),
      '--user-data-dir',
      join(scratch, 'user'),
      '--extensions-dir',
      join(scratch, 'ext'),
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PINSCOPE_TEST_SIGNALS: signals,
        TMPDIR: join(scratch, 'tmp'),
        XDG_CONFIG_HOME: join(scratch, 'xdg-config'),
        XDG_DATA_HOME: join(scratch, 'xdg-data'),
        XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
      },
    },
  );
  let serverOutput = '';
  server.stdout.on('data', (chunk: Buffer) => {
    serverOutput += chunk.toString();
  });
  server.stderr.on('data', (chunk: Buffer) => {
    serverOutput += chunk.toString();
  });
  let browser: Browser | undefined;
  const stopAll = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  const timeout = new Promise<number>((resolve) =>
    setTimeout(() => {
      log(`integration: timed out after ${options.timeoutMs} ms`);
      resolve(124);
    }, options.timeoutMs).unref(),
  );
  let printed = Promise.resolve();
  const run = (async (): Promise<number> => {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, 60_000, server);
    log(`integration: host is code-server ${CODE_SERVER_VERSION} (VS Code's Node extension host, web workbench in Chromium)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page: Page = await browser.newPage();
    const driving = driveWebviewRequests(page, signals, log);
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    // The extension host's console arrives as `console.log('%c INFO', 'color: …', format, ...values)`:
    // format it back into mocha's reporter lines, in order.
    page.on('console', (message) => {
      printed = printed.then(async () => {
        const values = await Promise.all(message.args().map((arg) => arg.jsonValue().catch(() => '') as Promise<unknown>));
        const first = values[0];
        const text = typeof first === 'string' && first.startsWith('%c') ? format(...values.slice(2)) : message.text();
        if (process.env['PINSCOPE_DEBUG_CONSOLE']) log(`[console.${message.type()}] ${text}`);
        else if (
          typeof first === 'string' &&
          first.includes('INFO') &&
          !/^(Resolv|Creating|Updating|ChatSession|\[Service Worker\])/.test(text.trim())
        )
          log(text);
        else if (/pinscope|Pinscope/.test(text)) log(text);
      });
    });
    const authority = `127.0.0.1:${port}`;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${options.extensionPath}`],
      ['extensionTestsPath', `vscode-remote://${authority}${options.testsPath}`],
      ['skipWelcome', 'true'],
    ];
    await page.goto(`${base}/?folder=${encodeURIComponent(options.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await exitCode;
    driving.stop();
    return code;
  })();
  try {
    const code = await Promise.race([run, timeout]);
    await printed;
    if (code !== 0 && serverOutput) log(`code-server output (last lines):\n${serverOutput.split('\n').slice(-20).join('\n')}`);
    return code;
  } finally {
    await stopAll();
  }
}
