/**
 * `pinscope run` routes every runtime .ci/run installs through the proxy and makes it trust the CA —
 * with conflicting proxy and CA variables already in the environment.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionLine } from '../../src/core/report/connectionReport';
import { runCli } from '../support/cli';
import { startOrigin, type Origin } from '../support/origin';
import { CONFLICTING_ENVIRONMENT, runtimeCases } from '../support/runtimeMatrix';

describe('pinscope run routes every runtime', () => {
  let origin: Origin;
  let dir: string;

  before(async () => {
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'pinscope-routing-'));
  });
  after(async () => {
    await origin.close();
  });

  for (const runtime of runtimeCases()) {
    it(`${runtime.name}: recorded ok through the proxy, trusting the CA`, async () => {
      const events = join(dir, `${runtime.name}.jsonl`);
      const result = await runCli(
        [
          'run',
          '--ca-dir',
          join(dir, 'ca'),
          '--upstream-ca',
          origin.caFile,
          '--resolve',
          `*.example.test=127.0.0.1:${origin.port}`,
          '--fail-on',
          'never',
          '--events',
          events,
          '--',
          runtime.command,
          ...runtime.args,
        ],
        { ...process.env, ...CONFLICTING_ENVIRONMENT },
      );
      const lines = readFileSync(events, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ConnectionLine | { type: string })
        .filter((l): l is ConnectionLine => l.type === 'connection');
      const line = lines.find((l) => l.host === `${runtime.name}.example.test`);
      assert.ok(line, `${runtime.name} went through the proxy: ${result.stdout}${result.stderr}`);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /hello from origin/);
      assert.equal(line.category, 'ok', JSON.stringify(line));
    });
  }
});
