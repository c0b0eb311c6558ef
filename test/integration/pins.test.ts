/**
 * The pins linked to a real run, in the real workbench: a pin configuration in the workspace, a client
 * that rejects the forged certificate for its host through the proxy, then the CodeLens and the
 * diagnostic on the pin's line, and "pinned in path:line" for the inspector.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { curl, waitFor } from '../support/clients';
import { startOrigin, type Origin } from '../support/origin';
import { activatePinscope } from './workbench';
import { askWebview } from '../host/webviewDriver';

const HOST = 'pinned-app.example.test';
const RELATIVE = 'android/app/src/main/res/xml/network_security_config.xml';
const CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <!-- the release build pins the API's key -->
    <domain-config cleartextTrafficPermitted="false">
        <domain includeSubdomains="false">${HOST}</domain>
        <pin-set expiration="2099-01-01">
            <pin digest="SHA-256">AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</pin>
        </pin-set>
    </domain-config>
</network-security-config>
`;
/** The 0-based line of the pin-set, where the finding sits. */
const PIN_LINE = CONFIG.split('\n').findIndex((l) => l.includes('<pin-set'));

describe('Pins linked to what the proxy saw, in the real workbench', function () {
  this.timeout(60_000);
  let origin: Origin;
  let file: vscode.Uri;

  before(async () => {
    origin = await startOrigin();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workbench has a folder');
    file = vscode.Uri.joinPath(folder.uri, RELATIVE);
    await vscode.workspace.fs.writeFile(file, Buffer.from(CONFIG));
    const config = vscode.workspace.getConfiguration('pinscope');
    await config.update('hostOverrides', [`*.example.test=127.0.0.1:${origin.port}`], vscode.ConfigurationTarget.Global);
    await config.update('upstreamCaFiles', [origin.caFile], vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pinscope.stopProxy');
    await vscode.commands.executeCommand('pinscope.clearConnections', true);
    await vscode.workspace.fs.delete(file);
    await origin.close();
  });

  it('shows the CodeLens and the diagnostic on the pin-set line after a client pinning that host broke through the proxy', async () => {
    const pinscope = await activatePinscope();
    const proxy = await pinscope.context.controller.start();
    assert.ok(proxy);
    // A client that pins the host: it trusts the Pinscope CA but rejects the forged key.
    const result = await curl(proxy.url, `https://${HOST}/hello`, [
      '--cacert',
      proxy.ca.certPath,
      '--pinnedpubkey',
      'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ]);
    assert.equal(result.code, 90, result.stderr);
    await waitFor(
      () => pinscope.context.controller.session.records().find((r) => r.finished && r.host === HOST),
      10_000,
      'the broken connection',
    );

    // The saved file is re-read (as after an edit); the first background scan may not have run yet.
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(file, document.lineAt(document.lineCount - 1).range.end, ' ');
    await vscode.workspace.applyEdit(edit);
    await document.save();

    const diagnostic = await waitFor(
      () => vscode.languages.getDiagnostics(file).find((d) => d.source === 'Pinscope' && d.message.includes(HOST)),
      15_000,
      'the Pinscope diagnostic',
    );
    assert.equal(diagnostic.range.start.line, PIN_LINE);
    assert.match(diagnostic.message, /breaks under inspection/);
    let lens: vscode.CodeLens | undefined;
    for (const deadline = Date.now() + 15_000; !lens && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', file);
      lens = lenses.find((l) => l.command?.title.startsWith(`${HOST} — breaks under inspection`));
    }
    assert.ok(lens, 'the CodeLens');
    assert.equal(lens.range.start.line, PIN_LINE);
    assert.match(lens.command?.title ?? '', /pinning (likely|possible)/);
    assert.deepEqual(pinscope.context.pins.pinnedAt(HOST), [{ path: RELATIVE, line: PIN_LINE + 1 }]);
    assert.equal(pinscope.context.pins.locate(RELATIVE)?.toString(), file.toString());
    assert.equal(pinscope.context.pins.locate('../../etc/passwd'), undefined);
    // The README's picture of the CodeLens (only where a browser shows the workbench: code-server).
    await vscode.commands.executeCommand('notifications.clearAll');
    await askWebview({ screenshot: 'codelens' });
  });
});
