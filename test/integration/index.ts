/**
 * The integration suite's entry, loaded by the extension host (`extensionTestsPath`): the same `run()`
 * for @vscode/test-electron and for code-server.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  // PINSCOPE_TEST_FILES=restart,unrouted runs those suites only (while working on them).
  const only = process.env['PINSCOPE_TEST_FILES']?.split(',').map((name) => `${name.trim()}.test.js`);
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && (!only || only.includes(f)))
    .sort())
    mocha.addFile(join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
