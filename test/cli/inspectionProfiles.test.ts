/**
 * Inspection profiles through `pinscope proxy`: `--profile zscaler` serves the leaf and the intermediate
 * (as `openssl s_client -showcerts` shows), and under the organisation's own intermediate an app that pins
 * that intermediate works while one that pins the real server's key breaks.
 */
import * as assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionLine } from '../../src/core/report/connectionReport';
import { runClient, waitFor } from '../support/clients';
import { ROOT, startCli, type RunningCli } from '../support/cli';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { makeOwnIntermediate } from '../compat/ownIntermediate';
import { connectionLines } from '../support/eventsFile';

const CLIENT = join(ROOT, 'test', 'cli', 'clients', 'node_chain_pinning_client.js');
const pinOf = (pem: string): string =>
  createHash('sha256')
    .update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');

describe('inspection profiles through pinscope proxy', () => {
  let origin: Origin;
  let dir: string;
  const started: RunningCli[] = [];
  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('profiles');
  });
  after(async () => {
    for (const cli of started) await cli.stop();
    await origin.close();
  });
  const start = async (name: string, extra: readonly string[]): Promise<{ cli: RunningCli; events: string }> => {
    const events = join(dir, `${name}.jsonl`);
    const cli = await startCli([
      'proxy',
      '--port',
      '0',
      '--ca-dir',
      join(dir, 'ca'),
      '--events',
      events,
      '--no-attribution',
      '--upstream-ca',
      origin.caFile,
      '--resolve',
      `*.example.test=127.0.0.1:${origin.port}`,
      ...extra,
    ]);
    started.push(cli);
    return { cli, events };
  };

  it('--profile zscaler: openssl s_client -showcerts sees the leaf and the intermediate, and verifies the chain to the Pinscope root', async () => {
    const { cli } = await start('zscaler', ['--profile', 'zscaler']);
    const result = await runClient(
      'openssl',
      [
        's_client',
        '-proxy',
        `127.0.0.1:${cli.port}`,
        '-connect',
        'api.example.test:443',
        '-servername',
        'api.example.test',
        '-showcerts',
        '-CAfile',
        join(dir, 'ca', 'pinscope-ca.pem'),
      ],
      { input: '' },
    );
    const subjects = result.stdout.split('\n').filter((l) => /^ \d s:/.test(l));
    assert.equal(subjects.length, 2, result.stdout);
    assert.match(subjects[0] ?? '', /0 s:CN = api\.example\.test/);
    assert.match(subjects[1] ?? '', /1 s:CN = Pinscope Zscaler-style Intermediate Root CA/);
    assert.match(result.stdout, /Verify return code: 0 \(ok\)/);
  });

  it("--intermediate-ca: an app that pins the organisation's intermediate works; one that pins the real server's key breaks, and is judged a pin", async () => {
    const own = await makeOwnIntermediate(join(dir, 'own'));
    const { cli, events } = await start('own', ['--intermediate-ca', `${own.intermediateFile},${own.keyFile}`]);
    const pinsIntermediate = await runClient('node', [
      CLIENT,
      String(cli.port),
      'intermediate-pin.example.test',
      own.rootFile,
      pinOf(readFileSync(own.intermediateFile, 'utf8')),
    ]);
    assert.equal(pinsIntermediate.code, 0, pinsIntermediate.stdout + pinsIntermediate.stderr);
    assert.match(pinsIntermediate.stdout, /^HTTP\/1\.1 200/);
    const pinsServer = await runClient('node', [CLIENT, String(cli.port), 'server-pin.example.test', own.rootFile, pinOf(origin.leafPem)]);
    assert.notEqual(pinsServer.code, 0);
    assert.match(pinsServer.stdout, /no certificate in the chain matches the pin/);
    const lines = await waitFor(
      () => {
        const l = connectionLines(events);
        return l.length >= 2 ? l : undefined;
      },
      30_000,
      'two records',
    );
    const byHost = (host: string): ConnectionLine | undefined => lines.find((l) => l.host === host);
    assert.equal(byHost('intermediate-pin.example.test')?.category, 'ok');
    const broken = byHost('server-pin.example.test');
    assert.ok(broken && broken.category !== 'ok', JSON.stringify(broken));
    assert.notEqual(broken.pinning, 'unlikely', JSON.stringify(broken));
    assert.match(
      broken.reason,
      /the organisation's own intermediate, so an app pinning that intermediate would have accepted it: this one pins the leaf or the real server's key or root/,
    );
  });
});
