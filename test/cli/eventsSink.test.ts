/**
 * The events file and stream (issue 23): checked at start, written owner-only without credentials, and a
 * failing sink (a closed stdout) never stops the proxy.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curl, waitFor } from '../support/clients';
import { startCli } from '../support/cli';

describe('pinscope CLI: the events sink', () => {
  let dir: string;
  let origin: ReturnType<typeof createHttpServer>;
  let originPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinscope-cli-events-'));
    origin = createHttpServer((_request, response) => response.end('ok\n'));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originPort = (origin.address() as AddressInfo).port;
  });
  after(() => {
    origin.close();
  });

  it('keeps proxying when stdout closes under --events - (EPIPE), saying so once', async () => {
    const cli = await startCli(['proxy', '--port', '0', '--ca-dir', join(dir, 'ca'), '--events', '-']);
    cli.child.stdout?.destroy();
    for (let i = 0; i < 4; i++) assert.match((await curl(cli.url, `http://127.0.0.1:${originPort}/n${i}`)).stdout, /^ok/);
    assert.equal(cli.child.exitCode, null, `the proxy is still running: ${cli.stderr()}`);
    // A line is written once its connection is judged, which waits (bounded) for the process behind it.
    await waitFor(() => (cli.stderr().includes('cannot write the events') ? true : undefined), 5000, 'the events sink error').catch(
      () => undefined,
    );
    assert.equal(cli.stderr().match(/cannot write the events/g)?.length, 1, cli.stderr());
    assert.equal(await cli.stop(), 0);
  });

  it('writes the events file owner-only, without credentials in URLs', async () => {
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, 'old\n', { mode: 0o644 });
    const cli = await startCli(['proxy', '--port', '0', '--ca-dir', join(dir, 'ca'), '--events', events]);
    assert.match((await curl(cli.url, `http://user:s3cret@127.0.0.1:${originPort}/p?token=abc123&access_token=def456&x=1`)).stdout, /^ok/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await cli.stop(), 0);
    const text = readFileSync(events, 'utf8');
    assert.match(text, /x=1/);
    assert.doesNotMatch(text, /s3cret|abc123|def456/);
    assert.equal(statSync(events).mode & 0o777, 0o600);
  });
});
