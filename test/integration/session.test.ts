/** The session outlives the proxy; host actions give feedback and last; settings are checked up front. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PinscopeApi } from '../../src/extension/extension';
import { curl, waitFor } from '../support/clients';
import { startOrigin, type Origin } from '../support/origin';
import { activatePinscope, configure } from './workbench';
import { hostName } from '../../src/core/hostNames';

describe('The session in a real workbench', function () {
  this.timeout(60_000);
  let origin: Origin;

  before(async () => {
    origin = await startOrigin();
    await configure({ hostOverrides: [`*.example.test=127.0.0.1:${origin.port}`], upstreamCaFiles: [origin.caFile], port: 0 });
  });

  beforeEach(async () => {
    await vscode.commands.executeCommand('pinscope.clearConnections', true);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('pinscope.stopProxy');
    await vscode.commands.executeCommand('pinscope.clearConnections', true);
    await configure({ tunnelHosts: [], listenAddress: undefined, port: 0 });
  });

  after(async () => {
    await origin.close();
  });

  /** One connection to `host` through the proxy; `pinned`: the client pins a key the forged certificate lacks. */
  async function recordOne(pinscope: PinscopeApi, host: string, pinned = false): Promise<void> {
    const proxy = await pinscope.context.controller.start();
    assert.ok(proxy);
    const before = pinscope.context.controller.session.records().filter((r) => r.finished && r.host === host).length;
    const result = await curl(proxy.url, `https://${host}/hello`, [
      '--cacert',
      proxy.ca.certPath,
      ...(pinned ? ['--pinnedpubkey', 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='] : []),
    ]);
    assert.equal(result.code, pinned ? 90 : 0, result.stderr);
    await waitFor(
      () => (pinscope.context.controller.session.records().filter((r) => r.finished && r.host === host).length > before ? true : undefined),
      10_000,
      `${host} finished`,
    );
  }

  it('keeps the records through Stop and Restart, exports after Stop, and a restart for a setting keeps them too', async () => {
    const pinscope = await activatePinscope();
    const { controller } = pinscope.context;
    await recordOne(pinscope, 'kept.example.test', true);
    await vscode.commands.executeCommand('pinscope.stopProxy');
    assert.equal(controller.session.listening, undefined);
    assert.deepEqual(
      controller.session.records().map((r) => r.host),
      ['kept.example.test'],
    );
    const report = await vscode.commands.executeCommand<vscode.TextDocument>(
      'pinscope.exportExemptionRequest',
      ['kept.example.test'],
      'zscaler-api',
      'Acme',
    );
    assert.ok(report, 'Export works after Stop');
    assert.match(report.getText(), /kept\.example\.test/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    await recordOne(pinscope, 'second.example.test');
    const port = await vscode.commands.executeCommand<number>('pinscope.restartProxy');
    assert.ok(port);
    assert.deepEqual(
      controller.session.records().map((r) => r.host),
      ['kept.example.test', 'second.example.test'],
    );
    // A setting that needs a restart (the port): the restart keeps the records.
    await configure({ port: 0 });
    await controller.restart();
    assert.equal(controller.session.records().length, 2);
    await recordOne(pinscope, 'third.example.test');
    assert.deepEqual(
      controller.session.records().map((r) => r.host),
      ['kept.example.test', 'second.example.test', 'third.example.test'],
    );
    assert.equal(new Set(controller.session.records().map((r) => r.id)).size, 3, 'ids stay unique across restarts');
  });

  it('Clear confirmed empties the session (without the argument it asks first, modally)', async () => {
    const pinscope = await activatePinscope();
    await recordOne(pinscope, 'clear.example.test');
    assert.equal(await vscode.commands.executeCommand('pinscope.clearConnections', true), true);
    assert.equal(pinscope.context.controller.session.records().length, 0);
  });

  it('Tunnel Host strips a URL to its host, pushes its mode, keeps it through a restart, and saves it to pinscope.tunnelHosts', async () => {
    const pinscope = await activatePinscope();
    const { controller } = pinscope.context;
    await controller.start();
    const host = await vscode.commands.executeCommand<string>('pinscope.tunnelHost', 'https://Mode.Example.test:8443/some/path?q=1');
    assert.equal(host, 'mode.example.test');
    assert.equal(controller.session.hostChoices.get(hostName('mode.example.test')), 'tunnel');
    await vscode.commands.executeCommand('pinscope.openInspector');
    const panel = await waitFor(() => pinscope.livePanel(), 10_000, 'the inspector');
    assert.deepEqual(
      panel.source.state('').hostModes?.find((m) => m.host === 'mode.example.test'),
      { host: 'mode.example.test', mode: 'tunnel', source: 'session' },
    );
    // The next connection is tunnelled: curl verifies the origin's own certificate.
    const proxy = controller.session.listening;
    assert.ok(proxy);
    assert.equal((await curl(proxy.url, 'https://mode.example.test/hello', ['--cacert', origin.caFile])).code, 0);
    const restarted = await controller.restart();
    assert.ok(restarted);
    assert.equal(controller.session.hostChoices.get(hostName('mode.example.test')), 'tunnel', 'the choice holds for the restarted proxy');
    const saved = await vscode.commands.executeCommand<string[]>('pinscope.saveHostMode', 'mode.example.test', 'tunnel', 'user');
    assert.deepEqual(saved, ['mode.example.test']);
    assert.deepEqual(vscode.workspace.getConfiguration('pinscope').inspect('tunnelHosts')?.globalValue, ['mode.example.test']);
    // Refused input says why and chooses nothing.
    assert.equal(await vscode.commands.executeCommand('pinscope.tunnelHost', 'not a host'), undefined);
    assert.equal(await vscode.commands.executeCommand('pinscope.interceptHost', '*.example.test'), undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('refuses listenAddress "nonsense" up front, with the setting named, and shows the error state', async () => {
    const pinscope = await activatePinscope();
    await configure({ listenAddress: 'nonsense' });
    const port = await vscode.commands.executeCommand('pinscope.startProxy');
    assert.equal(port, undefined);
    const failure = pinscope.context.controller.startFailure;
    assert.ok(failure);
    assert.equal(failure.setting, 'listenAddress');
    assert.match(failure.message, /pinscope\.listenAddress: "nonsense" is not an IP address/);
    await configure({ listenAddress: undefined });
    assert.ok(await pinscope.context.controller.start());
    assert.equal(pinscope.context.controller.startFailure, undefined);
  });
});
