/**
 * Pin configurations written to disk by something other than the editor (a shell command here, as a
 * `git pull` or a generator would) get their CodeLens without being opened or saved, and lose it when
 * deleted (issue 30: the workspace is watched). The proxy keeps serving while a hostile workspace is
 * scanned (issue 28: the scan runs in a worker thread).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { curl } from '../support/clients';
import { startOrigin } from '../support/origin';
import * as vscode from 'vscode';
import { activatePinscope } from './workbench';

const HOST = 'watched-app.example.test';
const RELATIVE = 'watched/res/xml/network_security_config.xml';
const CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <domain-config>
        <domain>${HOST}</domain>
        <pin-set><pin digest="SHA-256">AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</pin></pin-set>
    </domain-config>
</network-security-config>
`;

async function lensTitles(file: vscode.Uri): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', file);
  return (lenses ?? []).map((lens) => lens.command?.title ?? '');
}

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
    if (await check()) return;
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('Pin configurations written outside the editor, in the real workbench', function () {
  this.timeout(300_000);

  it('gets its CodeLens within seconds of a shell command writing it into a new folder, and loses it when deleted', async () => {
    const pinscope = await activatePinscope();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workbench has a folder');
    const file = vscode.Uri.joinPath(folder.uri, RELATIVE);
    // After the first scan (a few seconds after activation), so that only the watch can find the file:
    // run alone, this test once passed on that first scan while the watch missed files in new folders.
    await eventually(() => pinscope.context.pins.scansCompleted > 0, 'the first scan');
    // Written by a shell, never opened or saved in the editor.
    execFileSync('sh', ['-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', file.fsPath], { input: CONFIG });
    await eventually(() => pinscope.context.pins.locate(RELATIVE) !== undefined, 'the scan to find the new file');
    // Opened to read its CodeLens (the lens provider needs the document), never edited or saved.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    await eventually(async () => (await lensTitles(file)).some((title) => title.startsWith(HOST)), 'the CodeLens');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    execFileSync('sh', ['-c', 'rm -rf "$1"', 'sh', vscode.Uri.joinPath(folder.uri, 'watched').fsPath]);
    await eventually(() => pinscope.context.pins.locate(RELATIVE) === undefined, 'the deleted file to be forgotten');
  });

  it('keeps the proxy serving while a hostile workspace is scanned', async () => {
    const pinscope = await activatePinscope();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workbench has a folder');
    const hostile = vscode.Uri.joinPath(folder.uri, 'hostile').fsPath;
    execFileSync(
      'sh',
      [
        '-c',
        `mkdir -p "$1/a/${'b/'.repeat(40)}" "$1/res/xml" && cat > "$1/res/xml/network_security_config.xml" && printf 'a/${'**/'.repeat(18)}zz\\n' > "$1/.gitignore" && for i in 1 2 3 4; do yes '  .add(' | head -c 2000000 | sed '1s/^/CertificatePinner /' > "$1/Pins$i.kt"; done`,
        'sh',
        hostile,
      ],
      { input: CONFIG },
    );
    const origin = await startOrigin();
    const config = vscode.workspace.getConfiguration('pinscope');
    await config.update('hostOverrides', [`*.example.test=127.0.0.1:${origin.port}`], vscode.ConfigurationTarget.Global);
    await config.update('upstreamCaFiles', [origin.caFile], vscode.ConfigurationTarget.Global);
    try {
      const proxy = await pinscope.context.controller.start();
      assert.ok(proxy);
      // The files just written start a rescan (the workspace is watched): proxied requests are served
      // throughout, until that scan has found the configuration beside the hostile files.
      let served = 0;
      for (
        const deadline = Date.now() + 60_000;
        pinscope.context.pins.locate('hostile/res/xml/network_security_config.xml') === undefined;
        served++
      ) {
        assert.ok(Date.now() < deadline, 'the scan of the hostile workspace did not finish');
        const result = await curl(proxy.url, `https://served.example.test/n${served}`, ['--cacert', proxy.ca.certPath]);
        assert.equal(result.code, 0, result.stderr);
      }
      assert.ok(served > 0);
    } finally {
      await vscode.commands.executeCommand('pinscope.stopProxy');
      await origin.close();
      execFileSync('rm', ['-rf', hostile]);
    }
  });
});
