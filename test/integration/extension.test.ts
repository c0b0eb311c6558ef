/** The extension in a real VS Code extension host: activation, commands, the proxy round trip. */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PinscopeApi } from '../../src/extension/extension';
import { startOrigin, type Origin } from '../support/origin';
import { curl, portAccepts, runClient, waitFor } from '../support/clients';
import { classify } from '../../src/core/classification';

const EXTENSION_ID = 'pinscope.pinscope';

async function api(): Promise<PinscopeApi> {
  const extension = vscode.extensions.getExtension<PinscopeApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed in the host`);
  return extension.activate();
}

async function configure(values: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration('pinscope');
  for (const [key, value] of Object.entries(values)) await config.update(key, value, vscode.ConfigurationTarget.Global);
}

describe('Pinscope in a real VS Code extension host', function () {
  let origin: Origin;

  before(async () => {
    console.log(`pinscope: VS Code ${vscode.version}, app host ${vscode.env.appHost}, UI kind ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}, remote ${vscode.env.remoteName ?? 'none'}`);
    origin = await startOrigin();
    await configure({ hostOverrides: [`*.example.test=127.0.0.1:${origin.port}`], upstreamCaFiles: [origin.caFile], port: 0 });
  });

  after(async () => {
    await vscode.commands.executeCommand('pinscope.stopProxy');
    await origin.close();
  });

  it('activates on its own command and exposes its API', async () => {
    const { context } = await api();
    assert.equal(context.controller.engine, undefined);
  });

  it('registers every contributed command', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    const contributed = (extension?.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
    assert.ok(contributed.length >= 10);
  });

  it('starts from the command, relays a real curl through the proxy, records it, and stops', async () => {
    const { context } = await api();
    const port = await vscode.commands.executeCommand<number>('pinscope.startProxy');
    assert.ok(typeof port === 'number' && port > 0, 'Start Proxy returns the bound port');
    assert.ok(await portAccepts(port), 'the port accepts connections');
    const engine = context.controller.engine;
    assert.ok(engine);
    const caPem = readFileSync(engine.proxy.ca.certPath, 'utf8');
    assert.match(caPem, /BEGIN CERTIFICATE/);
    const result = await curl(engine.proxy.url, 'https://api.example.test/hello', ['--cacert', engine.proxy.ca.certPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /hello from origin/);
    const record = await waitFor(() => engine.proxy.store.all().find((r) => r.finished && r.host === 'api.example.test'), 5000, 'the finished connection');
    assert.equal(classify(record).category, 'ok');
    await vscode.commands.executeCommand('pinscope.stopProxy');
    assert.equal(context.controller.engine, undefined);
    assert.equal(await portAccepts(port), false, 'the port is closed after Stop');
  });

  it('applies a tunnel-hosts setting to the next connection without a restart', async () => {
    const { context } = await api();
    await vscode.commands.executeCommand('pinscope.startProxy');
    const engine = context.controller.engine;
    assert.ok(engine);
    await configure({ tunnelHosts: ['.example.test'] });
    await waitFor(() => (engine.proxy.policy.tunnelPatterns.includes('.example.test') ? true : undefined), 5000, 'the setting to apply');
    const result = await curl(engine.proxy.url, 'https://tunnelled.example.test/hello', ['--cacert', origin.caFile]);
    assert.equal(result.code, 0, result.stderr);
    const record = await waitFor(() => engine.proxy.store.all().find((r) => r.finished && r.host === 'tunnelled.example.test'));
    assert.equal(record.mode, 'tunnel');
    await configure({ tunnelHosts: [] });
  });

  it('gives the proxied terminal environment the proxy and the CA', async () => {
    const { context } = await api();
    const engine = context.controller.engine ?? (await context.controller.start());
    assert.ok(engine);
    const text = await vscode.commands.executeCommand<string>('pinscope.copyProxyEnvironment');
    assert.match(text, new RegExp(`export HTTPS_PROXY='${engine.proxy.url}'`));
    assert.match(text, new RegExp(`export NODE_EXTRA_CA_CERTS='${engine.proxy.ca.certPath}'`));
    const terminal = await vscode.commands.executeCommand<vscode.Terminal>('pinscope.openProxiedTerminal');
    const options = terminal.creationOptions as vscode.TerminalOptions;
    assert.equal(options.env?.['HTTPS_PROXY'], engine.proxy.url);
    assert.equal(options.env['SSL_CERT_FILE'], engine.proxy.ca.certPath);
    terminal.dispose();
  });

  it('reports a port in use as a notification, not an exception', async () => {
    const { context } = await api();
    await context.controller.stop();
    const blocker = await startOrigin();
    await configure({ port: blocker.port });
    const engine = await context.controller.start();
    assert.equal(engine, undefined, 'start fails softly');
    assert.equal(context.controller.engine, undefined);
    await configure({ port: 0 });
    await blocker.close();
  });

  it('keeps the CA key owner-only and exports a certificate openssl reads', async () => {
    const { context } = await api();
    const engine = context.controller.engine ?? (await context.controller.start());
    assert.ok(engine);
    const keyPath = engine.proxy.ca.certPath.replace('pinscope-ca.pem', 'pinscope-ca-key.pem');
    assert.ok(existsSync(keyPath));
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    const openssl = await runClient('openssl', ['x509', '-noout', '-subject', '-in', engine.proxy.ca.certPath]);
    assert.equal(openssl.code, 0, openssl.stderr);
    assert.match(openssl.stdout, /Pinscope Inspection CA/);
  });
});
