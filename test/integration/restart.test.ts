/**
 * A proxy that stays where it is: with any free port (0), a workspace's proxy binds the same port again
 * at every start, so a proxied terminal opened before Stop/Start still works (real bash with shell
 * integration, real curl); when that port is taken, the proxy moves and says which terminals are stale.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PinscopeApi } from '../../src/extension/extension';
import { waitFor } from '../support/clients';
import { startOrigin, type Origin } from '../support/origin';
import { activatePinscope, configure, runInTerminal, shellIntegrationOf } from './workbench';

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('The proxy port across restarts', function () {
  this.timeout(90_000);
  let origin: Origin;
  let api: PinscopeApi;
  let terminal: vscode.Terminal | undefined;
  let blocker: Server | undefined;

  before(async () => {
    origin = await startOrigin();
    await configure({ hostOverrides: [`*.example.test=127.0.0.1:${origin.port}`], upstreamCaFiles: [origin.caFile], port: 0 });
    api = await activatePinscope();
  });

  after(async () => {
    terminal?.dispose();
    await api.context.controller.stop();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    await origin.close();
  });

  const recordsOf = (host: string) => api.context.controller.session.records().filter((r) => r.host === host && r.finished);

  it('binds the same free port after Stop and Start: a proxied terminal opened before still goes through it', async () => {
    const first = await vscode.commands.executeCommand<number>('pinscope.startProxy');
    assert.ok(first);
    terminal = await vscode.commands.executeCommand<vscode.Terminal>('pinscope.openProxiedTerminal');
    const integration = await shellIntegrationOf(terminal, 30_000);

    await vscode.commands.executeCommand('pinscope.stopProxy');
    assert.equal(await vscode.commands.executeCommand<number>('pinscope.startProxy'), first, 'Start binds the port of the previous run');
    assert.equal(await vscode.commands.executeCommand<number>('pinscope.restartProxy'), first, 'Restart too');

    assert.equal(
      await runInTerminal(integration, 'curl -sS https://before-restart.example.test/hello'),
      0,
      'curl in the terminal opened before the restart went through the proxy',
    );
    await waitFor(
      () => (recordsOf('before-restart.example.test').length > 0 ? true : undefined),
      10_000,
      'the record of the curl after the restart',
    );
  });

  it('moves to another port only when its own is taken, marks the terminals opened before as stale, and says so when one of their commands is missed', async () => {
    assert.ok(terminal);
    const integration = await shellIntegrationOf(terminal, 30_000);
    const first = api.context.controller.session.listening?.port;
    assert.ok(first);
    await vscode.commands.executeCommand('pinscope.stopProxy');
    blocker = await listenOn(first);
    const moved = new Promise<{ from: string; to: string }>((resolve) => {
      const subscription = api.context.controller.onPortMoved.subscribe((move) => {
        subscription.dispose();
        resolve(move);
      });
    });
    const second = await vscode.commands.executeCommand<number>('pinscope.startProxy');
    assert.ok(second);
    assert.notEqual(second, first);
    assert.deepEqual(await moved, { from: `http://127.0.0.1:${first}`, to: `http://127.0.0.1:${second}` });
    // The active terminal is renamed at once.
    await waitFor(() => (terminal?.name.includes('stale') ? true : undefined), 10_000, 'the stale terminal renamed');
    assert.equal(terminal.name, `Pinscope :${first} (stale: the proxy moved to http://127.0.0.1:${second})`);

    // A connection up to 2 s before a command's start event counts as the command's (see unrouted.test.ts): let the last one pass.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const command = 'curl -sS https://stale.example.test/hello';
    assert.notEqual(await runInTerminal(integration, command), 0, 'the stale terminal points at the blocker');
    const notice = await waitFor(() => api.unroutedNotices.find((n) => n.command === command), 10_000, 'the notice for the stale terminal');
    assert.match(
      notice.message,
      new RegExp(
        `This terminal points at http://127\\.0\\.0\\.1:${first}, where the proxy listened when the terminal was opened; it now listens on http://127\\.0\\.0\\.1:${second} \\(that port was taken at a restart\\): open a new proxied terminal\\.$`,
      ),
    );

    // A recording names both listeners that captured its connections.
    const file = vscode.Uri.file(join(tmpdir(), `pinscope-restart-${process.pid}.pinscope.jsonl`));
    assert.ok(await vscode.commands.executeCommand<vscode.Uri>('pinscope.saveRecording', file));
    const header = JSON.parse(readFileSync(file.fsPath, 'utf8').split('\n')[0] ?? '{}') as { capturedBy?: string[] };
    assert.deepEqual(header.capturedBy?.slice(-2), [`http://127.0.0.1:${first}`, `http://127.0.0.1:${second}`]);

    // The new port is the one kept from now on.
    await new Promise((resolve) => blocker?.close(resolve));
    blocker = undefined;
    assert.equal(await vscode.commands.executeCommand<number>('pinscope.restartProxy'), second);
  });
});
