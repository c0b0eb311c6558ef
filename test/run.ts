/**
 * `npm test`: the layers, in order — unit and transcript tests of src/core under plain Node, the
 * client-compatibility matrix (real TLS clients through the CLI), the integration suite in a real VS Code extension host, and the webview in real Chromium. Ends with one
 * line "N passed, N failed"; exits non-zero when anything failed.
 * Usage: node out/test/run.js [unit|compat|integration|webview ...]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInCodeServer } from './host/codeServerRunner';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'out', 'test');

interface LayerResult {
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
  readonly exitCode: number;
}

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.js') ? [path] : [];
    })
    .sort();
}

/** Runs node's test runner with the spec reporter on screen and TAP into a file we count from. */
function nodeTests(name: string, files: string[], extraEnv: Record<string, string> = {}): Promise<LayerResult> {
  // With no files, node --test would search the whole tree: a missing layer is a failure instead.
  if (files.length === 0) return Promise.resolve({ name, passed: 0, failed: 1, exitCode: 1 });
  const tap = join(mkdtempSync(join(tmpdir(), 'pinscope-tap-')), `${name}.tap`);
  return new Promise((resolveResult) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        '--test-concurrency=1',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        ...files,
      ],
      {
        stdio: 'inherit',
        cwd: ROOT,
        env: { ...process.env, ...extraEnv },
      },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
      const count = (key: string): number => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? '0');
      resolveResult({
        name,
        passed: count('pass'),
        failed: count('fail') + (code !== 0 && count('fail') === 0 ? 1 : 0),
        exitCode: code ?? 1,
      });
    });
  });
}

async function integration(): Promise<LayerResult> {
  const workspace = mkdtempSync(join(tmpdir(), 'pinscope-workspace-'));
  mkdirSync(workspace, { recursive: true });
  let passed = 0;
  let failed = 0;
  const options = {
    extensionPath: ROOT,
    testsPath: join(OUT, 'integration', 'index.js'),
    workspace,
    timeoutMs: 480_000,
    log: (line: string) => {
      process.stdout.write(`${line}\n`);
      const passing = /^\s*(\d+) passing/.exec(line);
      const failing = /^\s*(\d+) failing/.exec(line);
      if (passing?.[1]) passed = Number(passing[1]);
      if (failing?.[1]) failed = Number(failing[1]);
    },
  };
  let exitCode: number;
  if (process.env['PINSCOPE_TEST_HOST'] === 'electron') {
    // Where VS Code can be downloaded (a laptop, public CI): the standard runner, same suite.
    const { runTests } = await import('@vscode/test-electron');
    exitCode = await runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: options.testsPath,
      launchArgs: [workspace, '--disable-extensions'],
    }).then(
      () => 0,
      () => 1,
    );
  } else {
    exitCode = await runInCodeServer(options);
  }
  if (exitCode !== 0 && failed === 0) failed = 1;
  return { name: 'integration', passed, failed, exitCode };
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const layers = wanted.length > 0 ? wanted : ['unit', 'compat', 'integration', 'webview'];
  const results: LayerResult[] = [];
  for (const layer of layers) {
    process.stdout.write(`\n=== ${layer} tests ===\n`);
    if (layer === 'unit')
      results.push(
        await nodeTests('unit', [...testFiles(join(OUT, 'core')), ...testFiles(join(OUT, 'cli')), ...testFiles(join(OUT, 'shared'))]),
      );
    else if (layer === 'compat') results.push(await nodeTests('compat', testFiles(join(OUT, 'compat'))));
    else if (layer === 'integration') results.push(await integration());
    else if (layer === 'webview') results.push(await nodeTests('webview', testFiles(join(OUT, 'webview'))));
    else throw new Error(`unknown test layer "${layer}"`);
  }
  process.stdout.write('\n');
  for (const r of results)
    process.stdout.write(`${r.name}: ${r.passed} passed, ${r.failed} failed${r.exitCode === 0 ? '' : ` (exit ${r.exitCode})`}\n`);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return results.every((r) => r.exitCode === 0) && failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test runner: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
