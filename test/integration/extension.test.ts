/** The extension in a real VS Code extension host: activation, commands, the proxy round trip. */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { curl, portAccepts, runClient, waitFor } from '../support/clients';
import { classify } from '../../src/core/diagnosis/classification';
import { askWebview } from '../host/webviewDriver';
import { join } from 'node:path';
import { activatePinscope, configure } from './workbench';
import { hostName } from '../../src/core/hostNames';

const EXTENSION_ID = 'pinscope.pinscope';

describe('Pinscope in a real VS Code extension host', function () {
  let origin: Origin;

  before(async () => {
    console.log(
      `pinscope: VS Code ${vscode.version}, app host ${vscode.env.appHost}, UI kind ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}, remote ${vscode.env.remoteName ?? 'none'}`,
    );
    origin = await startOrigin();
    await configure({ hostOverrides: [`*.example.test=127.0.0.1:${origin.port}`], upstreamCaFiles: [origin.caFile], port: 0 });
  });

  // Each test starts from a stopped proxy and the suite's settings, so that none depends on another.
  afterEach(async () => {
    await vscode.commands.executeCommand('pinscope.stopProxy');
    await configure({ tunnelHosts: [], applyToAllTerminals: false, port: 0 });
  });

  after(async () => {
    await vscode.commands.executeCommand('pinscope.stopProxy');
    await origin.close();
  });

  it('activates on its own command and exposes its API', async () => {
    const { context } = await activatePinscope();
    assert.equal(context.controller.session.listening, undefined);
  });

  it('registers every contributed command', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    const contributed = (extension?.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map(
      (c) => c.command,
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
    assert.ok(contributed.length >= 10);
  });

  it('starts from the command, relays a real curl through the proxy, records it, and stops', async () => {
    const { context } = await activatePinscope();
    const port = await vscode.commands.executeCommand<number>('pinscope.startProxy');
    assert.ok(typeof port === 'number' && port > 0, 'Start Proxy returns the bound port');
    assert.ok(await portAccepts(port), 'the port accepts connections');
    const proxy = context.controller.session.listening;
    assert.ok(proxy);
    const caPem = readFileSync(proxy.ca.certPath, 'utf8');
    assert.match(caPem, /BEGIN CERTIFICATE/);
    const result = await curl(proxy.url, 'https://api.example.test/hello', ['--cacert', proxy.ca.certPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /hello from origin/);
    const record = await waitFor(
      () => context.controller.session.records().find((r) => r.finished && r.host === 'api.example.test'),
      5000,
      'the finished connection',
    );
    assert.equal(classify(record).category, 'ok');
    await vscode.commands.executeCommand('pinscope.stopProxy');
    assert.equal(context.controller.session.listening, undefined);
    assert.equal(await portAccepts(port), false, 'the port is closed after Stop');
  });

  it('applies a tunnel-hosts setting to the next connection without a restart', async () => {
    const { context } = await activatePinscope();
    await vscode.commands.executeCommand('pinscope.startProxy');
    const proxy = context.controller.session.listening;
    assert.ok(proxy);
    await configure({ tunnelHosts: ['.example.test'] });
    await waitFor(
      () => (context.controller.session.tunnelHosts?.includes('.example.test') ? true : undefined),
      5000,
      'the setting to apply',
    );
    const result = await curl(proxy.url, 'https://tunnelled.example.test/hello', ['--cacert', origin.caFile]);
    assert.equal(result.code, 0, result.stderr);
    const record = await waitFor(() => context.controller.session.records().find((r) => r.finished && r.host === 'tunnelled.example.test'));
    assert.equal(record.mode, 'tunnel');
    await configure({ tunnelHosts: [] });
  });

  it('says so when a confirmation by tunnelling succeeds: the host works tunnelled untouched', async () => {
    const pinscope = await activatePinscope();
    const proxy = await pinscope.context.controller.start();
    assert.ok(proxy);
    await vscode.commands.executeCommand('pinscope.confirmHost', 'confirmed.example.test');
    // Tunnelled untouched, the origin's own certificate reaches curl, which trusts the origin's CA: it works.
    const works = await curl(proxy.url, 'https://confirmed.example.test/hello', ['--cacert', origin.caFile]);
    assert.equal(works.code, 0, works.stderr);
    const outcome = await waitFor(
      () => pinscope.confirmationOutcomes.find((o) => o.host === 'confirmed.example.test'),
      30_000,
      'the confirmation outcome',
    );
    assert.equal(outcome.confirmed, true);
    assert.match(
      outcome.message,
      /^Pinscope: confirmed — confirmed\.example\.test works when tunnelled untouched, so it breaks only under inspection\./,
    );
  });

  it('gives the proxied terminal environment the proxy and the CA', async () => {
    const { context } = await activatePinscope();
    const proxy = await context.controller.start();
    assert.ok(proxy);
    const text = await vscode.commands.executeCommand<string>('pinscope.copyProxyEnvironment');
    assert.match(text, new RegExp(`export HTTPS_PROXY='${proxy.url}'`));
    assert.match(text, new RegExp(`export NODE_EXTRA_CA_CERTS='${proxy.ca.certPath}'`));
    const terminal = await vscode.commands.executeCommand<vscode.Terminal>('pinscope.openProxiedTerminal');
    const options = terminal.creationOptions as vscode.TerminalOptions;
    assert.equal(options.env?.['HTTPS_PROXY'], proxy.url);
    assert.equal(options.env['SSL_CERT_FILE'], proxy.trustBundlePath);
    assert.equal(options.env['NODE_EXTRA_CA_CERTS'], proxy.ca.certPath);
    terminal.dispose();
  });

  it('applies the proxy environment to new terminals while running, and removes it on stop', async () => {
    const { context } = await activatePinscope();
    const proxy = await context.controller.start();
    assert.ok(proxy);
    const collection = context.extension.environmentVariableCollection;
    await configure({ applyToAllTerminals: true });
    await waitFor(() => collection.get('HTTPS_PROXY'), 5000, 'the collection to be filled');
    assert.equal(collection.get('HTTPS_PROXY')?.value, proxy.url);
    assert.equal(collection.get('NODE_EXTRA_CA_CERTS')?.value, proxy.ca.certPath);
    await context.controller.stop();
    assert.equal(collection.get('HTTPS_PROXY'), undefined, 'removed when the proxy stops');
    await configure({ applyToAllTerminals: false });
  });

  it('reports a port in use as a notification, not an exception', async () => {
    const { context } = await activatePinscope();
    await context.controller.stop();
    const blocker = await startOrigin();
    await configure({ port: blocker.port });
    const proxy = await context.controller.start();
    assert.equal(proxy, undefined, 'start fails softly');
    assert.equal(context.controller.session.listening, undefined);
    await configure({ port: 0 });
    await blocker.close();
  });

  it('keeps the CA key owner-only and exports a certificate openssl reads', async () => {
    const { context } = await activatePinscope();
    const proxy = await context.controller.start();
    assert.ok(proxy);
    const keyPath = proxy.ca.certPath.replace('pinscope-ca.pem', 'pinscope-ca-key.pem');
    assert.ok(existsSync(keyPath));
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    const openssl = await runClient('openssl', ['x509', '-noout', '-subject', '-in', proxy.ca.certPath]);
    assert.equal(openssl.code, 0, openssl.stderr);
    assert.match(openssl.stdout, /Pinscope Inspection CA/);
  });
  it('opens the inspector from the command; the real webview shows a live connection and its Tunnel Host action reaches the session', async () => {
    const { context } = await activatePinscope();
    const proxy = await context.controller.start();
    assert.ok(proxy);
    await vscode.commands.executeCommand('pinscope.openInspector');
    const tab = await waitFor(
      () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('pinscope.inspector')),
      10_000,
      'the inspector tab',
    );
    assert.equal(tab.label, 'Pinscope Inspector');
    const first = await curl(proxy.url, 'https://panel.example.test/hello', ['--cacert', proxy.ca.certPath]);
    assert.equal(first.code, 0, first.stderr);
    const answer = await askWebview({ host: 'panel.example.test', action: 'tunnel' });
    if (answer === undefined) {
      // No browser to drive (the @vscode/test-electron host): run the same action through its command.
      await vscode.commands.executeCommand('pinscope.tunnelHost', 'panel.example.test');
    } else {
      assert.match(answer, /^clicked tunnel/);
    }
    await waitFor(
      () => (context.controller.session.hostChoices.get(hostName('panel.example.test')) === 'tunnel' ? true : undefined),
      10_000,
      'the tunnel choice',
    );
    const second = await curl(proxy.url, 'https://panel.example.test/hello', ['--cacert', origin.caFile]);
    assert.equal(second.code, 0, second.stderr);
    const records = await waitFor(() => {
      const found = context.controller.session.records().filter((r) => r.finished && r.host === 'panel.example.test');
      return found.length >= 2 ? found : undefined;
    });
    assert.deepEqual(
      records.map((r) => r.mode),
      ['intercept', 'tunnel'],
    );
  });

  it('exports an exemption request into an untitled editor in the right language', async () => {
    const { context } = await activatePinscope();
    const proxy = await context.controller.start();
    assert.ok(proxy);
    await curl(proxy.url, 'https://pinned.example.test/hello', [
      '--cacert',
      proxy.ca.certPath,
      '--pinnedpubkey',
      'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ]);
    await waitFor(() => context.controller.session.records().find((r) => r.finished && r.host === 'pinned.example.test'));
    const document = await vscode.commands.executeCommand<vscode.TextDocument>(
      'pinscope.exportExemptionRequest',
      ['pinned.example.test'],
      'zscaler-api',
      'Acme Mobile',
    );
    assert.equal(document.languageId, 'json');
    const parsed = JSON.parse(document.getText()) as { urlCategory: { urls: string[] } };
    assert.deepEqual(parsed.urlCategory.urls, ['pinned.example.test']);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('opens the session saved as a recording in the editor, read-only (the README picture of a recording)', async () => {
    const pinscope = await activatePinscope();
    const proxy = await pinscope.context.controller.start();
    assert.ok(proxy);
    const pinned = await curl(proxy.url, 'https://recorded-pinned.example.test/hello', [
      '--cacert',
      proxy.ca.certPath,
      '--pinnedpubkey',
      'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ]);
    assert.equal(pinned.code, 90, pinned.stderr);
    await waitFor(
      () => pinscope.context.controller.session.records().find((r) => r.finished && r.host === 'recorded-pinned.example.test'),
      10_000,
      'the broken connection',
    );
    const target = vscode.Uri.file(join(temporaryDirectory('recording'), 'session.pinscope.jsonl'));
    await vscode.commands.executeCommand('pinscope.saveRecording', target);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pinscope.openRecording', target);
    const panel = await waitFor(() => pinscope.recordingPanel(target), 15_000, 'the recording editor');
    await waitFor(() => ((panel.posted.get('reset') ?? 0) > 0 ? true : undefined), 20_000, 'the rows posted to the webview');
    assert.equal(panel.source.session.records().find((r) => r.host === 'recorded-pinned.example.test')?.finished, true);
    // Only where a browser shows the workbench (code-server): the host selected tells its story.
    await vscode.commands.executeCommand('notifications.clearAll');
    const answer = await askWebview({ screenshot: 'recording-in-editor', host: 'recorded-pinned.example.test' });
    if (answer !== undefined) assert.equal(answer, 'screenshot recording-in-editor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Export CA Certificate writes a DER file openssl reads', async () => {
    const target = vscode.Uri.file(join(temporaryDirectory('export'), 'pinscope-ca.cer'));
    const written = await vscode.commands.executeCommand<vscode.Uri>('pinscope.exportCaCertificate', target, 'der');
    assert.equal(written.fsPath, target.fsPath);
    const parsed = await runClient('openssl', ['x509', '-inform', 'der', '-noout', '-subject', '-in', target.fsPath]);
    assert.equal(parsed.code, 0, parsed.stderr);
    assert.match(parsed.stdout, /Pinscope Inspection CA/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
