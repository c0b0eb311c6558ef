/**
 * Concurrent first starts (issue 28): runs started together on a fresh CA folder create one CA, and
 * every client trusts it.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli';
import { startOrigin } from '../support/origin';
import { X509Certificate } from 'node:crypto';

describe('pinscope CLI: concurrent first starts', () => {
  it('three runs started together on a fresh CA folder leave one CA that every curl trusts', async () => {
    const origin = await startOrigin();
    try {
      const caDir = join(mkdtempSync(join(tmpdir(), 'pinscope-cli-ca-race-')), 'ca');
      const run = (): ReturnType<typeof runCli> =>
        runCli([
          'run',
          '--port',
          '0',
          '--ca-dir',
          caDir,
          '--upstream-ca',
          origin.caFile,
          '--resolve',
          `race.example.test=127.0.0.1:${origin.port}`,
          '--fail-on',
          'breakage',
          '--',
          'curl',
          '-sS',
          '--max-time',
          '30',
          'https://race.example.test/',
        ]);
      const results = await Promise.all([run(), run(), run()]);
      for (const result of results) assert.equal(result.code, 0, `curl failed through its proxy: ${result.stderr}`);
      const onDisk = new X509Certificate(readFileSync(join(caDir, 'pinscope-ca.pem'))).fingerprint256;
      const used = results.map((result) => /CA certificate .*?\n/.exec(result.stderr)?.[0] ?? '');
      assert.equal(results.filter((result) => result.stderr.includes('(new)')).length, 1, used.join(''));
      assert.ok(onDisk.length > 0);
    } finally {
      await origin.close();
    }
  });
});
