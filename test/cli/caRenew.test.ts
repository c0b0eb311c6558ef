/** `pinscope ca --renew` and the warning `proxy` prints for a CA made by an earlier version. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startCli } from '../support/cli';
import { writeOutdatedCa } from '../support/outdatedCa';

describe('an outdated CA from the CLI', () => {
  it('is reported at proxy start with the command that replaces it, and replaced only by ca --renew, with a backup', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pinscope-renew-')), 'ca');
    const old = writeOutdatedCa(dir);
    const cli = await startCli(['proxy', '--port', '0', '--ca-dir', dir]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await cli.stop(), 0);
    assert.match(cli.stderr(), /WARNING: The Pinscope CA in .* was made by an older Pinscope .*PrintableString/);
    assert.match(cli.stderr(), new RegExp(`Run: pinscope ca --renew --ca-dir ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(readFileSync(join(dir, 'pinscope-ca.pem'), 'utf8'), old.certPem, 'starting the proxy replaced nothing');

    const renewed = await runCli(['ca', '--renew', '--ca-dir', dir]);
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.match(renewed.stderr, /created a new CA .*the old certificate and key are in .*backup-/);
    assert.doesNotMatch(renewed.stderr, /WARNING/);
    assert.match(renewed.stdout, /^-----BEGIN CERTIFICATE-----/);
    assert.notEqual(renewed.stdout, old.certPem);
    const backup = readdirSync(dir).find((name) => name.startsWith('backup-'));
    assert.ok(backup);
    assert.equal(readFileSync(join(dir, backup, 'pinscope-ca.pem'), 'utf8'), old.certPem);
    const again = await runCli(['ca', '--ca-dir', dir]);
    assert.equal(again.stdout, renewed.stdout);
    assert.equal(again.stderr, '', 'a conforming CA loads without a word');
  });
});
