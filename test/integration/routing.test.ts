/**
 * Every runtime .ci/run installs, run in a real terminal of the extension host, goes through the proxy
 * and trusts its CA — in the proxied terminal, and in a terminal that already has conflicting proxy and
 * CA variables when "apply to all terminals" routes it; and a Node debug session through the provider.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PinscopeApi } from '../../src/extension/extension';
import type { Session } from '../../src/core/session';
import { classify } from '../../src/core/diagnosis/classification';
import { startOrigin, type Origin } from '../support/origin';
import { waitFor } from '../support/clients';
import { CONFLICTING_ENVIRONMENT, runtimeCases, type RuntimeCase } from '../support/runtimeMatrix';
import { activatePinscope, configure } from './workbench';

function quote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Runs every case in the terminal, one after the other, each writing its output and status to files. */
async function runInTerminal(
  terminal: vscode.Terminal,
  cases: readonly RuntimeCase[],
): Promise<Map<string, { code: number; output: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'pinscope-terminal-'));
  const lines = cases.map(
    (c) =>
      `${[c.command, ...c.args].map(quote).join(' ')} > ${quote(join(dir, `${c.name}.out`))} 2>&1; echo $? > ${quote(join(dir, `${c.name}.rc`))}`,
  );
  const script = join(dir, 'matrix.sh');
  writeFileSync(script, `${lines.join('\n')}\ntouch ${quote(join(dir, 'done'))}\n`);
  terminal.sendText(`bash ${quote(script)}`);
  await waitFor(() => (existsSync(join(dir, 'done')) ? true : undefined), 150_000, `the runtime matrix in terminal ${terminal.name}`);
  return new Map(
    cases.map((c) => [
      c.name,
      { code: Number(readFileSync(join(dir, `${c.name}.rc`), 'utf8')), output: readFileSync(join(dir, `${c.name}.out`), 'utf8') },
    ]),
  );
}

async function assertMatrix(session: Session, results: Map<string, { code: number; output: string }>, prefix: string): Promise<void> {
  const failures: string[] = [];
  for (const [name, result] of results) {
    const host = `${prefix}${name}.example.test`;
    const record = await waitFor(() => session.records().find((r) => r.finished && r.host === host), 10_000, `the record of ${host}`).catch(
      () => undefined,
    );
    if (!record) {
      failures.push(`${name}: no connection through the proxy (${result.output.trim()})`);
      continue;
    }
    const category = classify(record).category;
    if (result.code !== 0 || !/hello from origin/.test(result.output) || category !== 'ok')
      failures.push(`${name}: exit ${result.code}, ${category}: ${result.output.trim()}`);
  }
  assert.deepEqual(failures, []);
}

describe('Every runtime through the proxy, in the extension host', function () {
  this.timeout(240_000);
  let origin: Origin;
  let session: Session;
  let api: PinscopeApi;
  const saved = new Map<string, string | undefined>();

  before(async () => {
    origin = await startOrigin();
    await configure({ hostOverrides: [`*.example.test=127.0.0.1:${origin.port}`], upstreamCaFiles: [origin.caFile], port: 0 });
    api = await activatePinscope();
    await api.context.controller.stop();
    const started = await api.context.controller.start();
    assert.ok(started);
    session = api.context.controller.session;
    // The conflicting variables, as a managed machine has them, in the host too (inherited values).
    for (const [name, value] of Object.entries(CONFLICTING_ENVIRONMENT)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  });

  after(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    await configure({ applyToAllTerminals: false, debugThroughProxy: false });
    await api.context.controller.stop();
    await origin.close();
  });

  it('routes each runtime in the proxied terminal, recorded ok and trusting the CA', async () => {
    const terminal = await vscode.commands.executeCommand<vscode.Terminal>('pinscope.openProxiedTerminal');
    try {
      await assertMatrix(session, await runInTerminal(terminal, runtimeCases('term-')), 'term-');
    } finally {
      terminal.dispose();
    }
  });

  it('routes each runtime in a terminal with conflicting variables when applied to all terminals', async () => {
    await configure({ applyToAllTerminals: true });
    await waitFor(() => api.context.extension.environmentVariableCollection.get('NODE_OPTIONS'), 5000, 'the collection');
    const terminal = vscode.window.createTerminal({ name: 'managed machine', env: { ...CONFLICTING_ENVIRONMENT } });
    try {
      await assertMatrix(session, await runInTerminal(terminal, runtimeCases('all-')), 'all-');
    } finally {
      terminal.dispose();
      await configure({ applyToAllTerminals: false });
    }
  });

  it('debugs a Node program through the proxy with "Debug with Pinscope"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinscope-debug-'));
    const program = join(dir, 'app.js');
    writeFileSync(
      program,
      "require('https').get('https://debug.example.test/hello', (r) => { r.resume(); r.on('end', () => console.log('status', r.statusCode)); }).on('error', (e) => { console.error(e.message); process.exitCode = 1; });\n",
    );
    const ended = new Promise<void>((resolve) => {
      const listener = vscode.debug.onDidTerminateDebugSession(() => {
        listener.dispose();
        resolve();
      });
    });
    const started = await vscode.commands.executeCommand<boolean>('pinscope.debugWithPinscope', {
      type: 'node',
      request: 'launch',
      name: 'Pinscope debug test',
      program,
      env: { ...CONFLICTING_ENVIRONMENT },
      console: 'internalConsole',
    });
    assert.equal(started, true, 'the debug session started');
    const record = await waitFor(
      () => session.records().find((r) => r.finished && r.host === 'debug.example.test'),
      60_000,
      "the debugged program's connection",
    );
    assert.equal(classify(record).category, 'ok');
    await ended;
  });
});
