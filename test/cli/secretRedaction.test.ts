/**
 * No secret from the command line in any output (issue 28): the JUnit file, the report and the events
 * file of `pinscope run` carry the command line redacted.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli';

describe('pinscope CLI: no secret from the command line in any output', () => {
  it('pinscope run --junit --report --events -- CMD --token SUPERSECRET writes SUPERSECRET nowhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinscope-cli-secret-'));
    const origin = createHttpServer((_request, response) => response.end('ok\n'));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
      const files = { junit: join(dir, 'junit.xml'), report: join(dir, 'report.md'), events: join(dir, 'events.jsonl') };
      const result = await runCli(
        [
          'run',
          '--port',
          '0',
          '--ca-dir',
          join(dir, 'ca'),
          '--junit',
          files.junit,
          '--report',
          files.report,
          '--events',
          files.events,
          '--fail-on',
          'never',
          '--',
          'sh',
          '-c',
          'curl -sS "$0"',
          url,
          '--token',
          'SUPERSECRET',
          '-pSUPERSECRET',
        ],
        { ...process.env, GITHUB_ACTIONS: 'true' },
      );
      assert.equal(result.code, 0, result.stderr);
      const outputs: Record<string, string> = {
        stdout: result.stdout,
        stderr: result.stderr,
        junit: readFileSync(files.junit, 'utf8'),
        report: readFileSync(files.report, 'utf8'),
        events: readFileSync(files.events, 'utf8'),
      };
      for (const [name, text] of Object.entries(outputs)) assert.ok(!text.includes('SUPERSECRET'), `${name} carries the secret:\n${text}`);
      assert.match(outputs['junit'] ?? '', /--token \*\*\*/);
      assert.match(outputs['report'] ?? '', /--token \*\*\*/);
      assert.match(outputs['events'] ?? '', /127\.0\.0\.1/);
    } finally {
      origin.close();
    }
  });
});
