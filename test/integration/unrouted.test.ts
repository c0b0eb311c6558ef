/**
 * The notice when the proxy saw nothing from a command in a routed terminal: real bash with VS Code's
 * shell integration in code-server's terminal, a real curl that bypasses the proxy (and one that does not).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PinscopeApi } from '../../src/extension/extension';
import { waitFor } from '../support/clients';
import { startOrigin, type Origin } from '../support/origin';
import { activatePinscope, configure, runInTerminal as run, shellIntegrationOf } from './workbench';

describe('The notice when the proxy saw nothing from a routed terminal', function () {
  this.timeout(90_000);
  let origin: Origin;
  let api: PinscopeApi;
  let terminal: vscode.Terminal | undefined;

  before(async () => {
    origin = await startOrigin();
    await configure({ hostOverrides: [`*.example.test=127.0.0.1:${origin.port}`], upstreamCaFiles: [origin.caFile], port: 0 });
    api = await activatePinscope();
    assert.ok(await api.context.controller.start());
  });

  after(async () => {
    terminal?.dispose();
    await api.context.controller.stop();
    await origin.close();
  });

  it('says so for a command whose HTTPS request bypassed the proxy, and not for one the proxy saw', async () => {
    terminal = await vscode.commands.executeCommand<vscode.Terminal>('pinscope.openProxiedTerminal');
    const integration = await shellIntegrationOf(terminal, 30_000);
    const noticesFor = (command: string) => api.unroutedNotices.filter((n) => n.command === command);

    // The start event reaches the extension host after the shell started the command: here it came
    // after the proxy had accepted curl's connection, which once made this command's notice wrong.
    const seen = 'curl -sS https://seen.example.test/hello';
    assert.equal(await run(integration, seen), 0, 'curl went through the proxy');
    await waitFor(
      () => api.context.controller.session.records().find((r) => r.host === 'seen.example.test'),
      10_000,
      "the proxy's record of the routed curl",
    );
    // A connection up to 2 s before a command's start event counts as the command's: let that pass.
    await new Promise((resolve) => setTimeout(resolve, 2500));

    const bypass = `curl -sS -k --noproxy '*' https://127.0.0.1:${origin.port}/hello`;
    assert.equal(await run(integration, bypass), 0, 'curl reached the origin directly');
    const [notice] = await waitFor(
      () => (noticesFor(bypass).length ? noticesFor(bypass) : undefined),
      10_000,
      'the notice for the bypassing command',
    );
    assert.ok(notice);
    assert.equal(notice.terminal, terminal.name);
    assert.match(
      notice.message,
      /^Pinscope saw no connection while "curl -sS -k --noproxy '\*' https:\/\/127\.0\.0\.1:\d+\/hello" ran in terminal "Pinscope :\d+"\. If it made HTTPS requests, its runtime ignores the proxy environment: see \[What is routed\]\(https:\/\/github\.com\/pinscope\/pinscope#what-is-routed\)\.$/,
    );
    assert.deepEqual(
      noticesFor(seen),
      [],
      "the command the proxy saw has no notice (its notice would have come before the next command's)",
    );
  });
});
