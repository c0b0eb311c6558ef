/**
 * Pin configurations written to disk by something other than the editor (a shell command here, as a
 * `git pull` or a generator would) get their CodeLens without being opened or saved, and lose it when
 * deleted (issue 30: the workspace is watched).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
    if (await check()) return;
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('Pin configurations written outside the editor, in the real workbench', function () {
  this.timeout(90_000);

  it('gets its CodeLens within seconds of a shell command writing it, and loses it when deleted', async () => {
    const pinscope = await activatePinscope();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workbench has a folder');
    const file = vscode.Uri.joinPath(folder.uri, RELATIVE);
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
});
