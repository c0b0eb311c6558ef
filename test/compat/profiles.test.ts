/**
 * The compatibility matrix's profile dimension: the clients that trust the Pinscope CA still work when
 * the proxy serves an inspection profile's chain (leaf + intermediate): every client under every
 * profile. `own-intermediate` is trusted through the organisation's root.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionLine } from '../../src/core/report/connectionReport';
import { runClient, type ClientResult } from '../support/clients';
import { ROOT, startCli } from '../support/cli';
import { startOrigin, type Origin } from '../support/origin';
import { CLIENTS, buildGo, type CompatClient, type MatrixContext } from './clientCatalogue';
import { makeOwnIntermediate } from './ownIntermediate';
import { connectionLines } from '../support/eventsFile';

/** Every client of the compatibility matrix, under each profile. */
const PROFILES: readonly { readonly profile: string; readonly clients: readonly CompatClient[] }[] = [
  'zscaler',
  'netskope',
  'paloalto',
  'own-intermediate',
].map((profile) => ({ profile, clients: CLIENTS }));

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

interface ProfileOutcome {
  readonly run: ClientResult;
  lines: ConnectionLine[];
}

describe('client compatibility under inspection profiles', () => {
  let origin: Origin;
  let dir: string;
  const outcomes = new Map<string, ProfileOutcome>();
  const key = (profile: string, client: CompatClient): string => `${profile}|${client.name}`;

  before(async () => {
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'pinscope-compat-profiles-'));
    const clientsDir = join(ROOT, 'test', 'compat', 'clients');
    const [go, javac] = await Promise.all([
      buildGo(join(clientsDir, 'get.go'), join(dir, 'get'), join(dir, 'go-cache')),
      runClient('javac', ['-d', join(dir, 'java'), join(clientsDir, 'Get.java')], { timeoutMs: 120_000 }),
    ]);
    assert.equal(go.code, 0, `go build: ${go.stderr}`);
    assert.equal(javac.code, 0, `javac: ${javac.stderr}`);
    const own = await makeOwnIntermediate(join(dir, 'own'));
    for (const { profile, clients } of PROFILES) {
      const events = join(dir, `${profile}.jsonl`);
      const work = join(dir, profile);
      mkdirSync(work);
      const profileArgs =
        profile === 'own-intermediate' ? ['--intermediate-ca', `${own.intermediateFile},${own.keyFile}`] : ['--profile', profile];
      const cli = await startCli([
        'proxy',
        '--port',
        '0',
        '--ca-dir',
        join(dir, 'ca'),
        '--upstream-ca',
        origin.caFile,
        '--resolve',
        `*.example.test=127.0.0.1:${origin.port}`,
        '--events',
        events,
        ...profileArgs,
      ]);
      const caFile = profile === 'own-intermediate' ? own.rootFile : join(dir, 'ca', 'pinscope-ca.pem');
      const context: MatrixContext = {
        proxyPort: cli.port,
        caFile,
        work,
        goBinary: join(dir, 'get'),
        javaClasses: join(dir, 'java'),
        clientsDir,
      };
      for (const client of clients) {
        const run = await client.run(true, `https://${slug(client.name)}-${profile}.example.test/hello`, context);
        outcomes.set(key(profile, client), { run, lines: [] });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await cli.stop(), 0);
      const lines = connectionLines(events);
      for (const client of clients) {
        const outcome = outcomes.get(key(profile, client));
        if (outcome) outcome.lines = lines.filter((l) => l.host === `${slug(client.name)}-${profile}.example.test`);
      }
    }
  });

  after(async () => {
    await origin.close();
  });

  for (const { profile, clients } of PROFILES) {
    describe(profile, () => {
      for (const client of clients) {
        it(`${client.name} trusting the CA: ok${client.alpn === 'h2' ? ', over HTTP/2' : ''}, with the leaf and the intermediate sent`, (t) => {
          const outcome = outcomes.get(key(profile, client));
          assert.ok(outcome);
          if (client.name.startsWith('Firefox') && outcome.lines.length === 0) {
            t.skip(`Firefox ESR made no connection through the proxy on this machine: ${outcome.run.stderr.slice(0, 300)}`);
            return;
          }
          const detail = `${outcome.run.stdout.slice(0, 300)} ${outcome.run.stderr.slice(0, 600)} records: ${outcome.lines.map((l) => `${l.category} ${l.reason}`).join('; ')}`;
          if (client.exitCodeIsResult !== false) assert.equal(outcome.run.code, 0, detail);
          const ok = outcome.lines.find((l) => l.category === 'ok');
          assert.ok(ok, detail);
          const forged = ok.events.find((e) => e.kind === 'forged-certificate');
          assert.ok(forged && 'path' in forged && forged.path.profile === profile && forged.path.chainLength === 2, detail);
          const done = ok.events.find((e) => e.kind === 'handshake-complete');
          if (client.alpn) assert.equal(done && 'alpn' in done ? done.alpn : null, client.alpn, detail);
        });
      }
    });
  }
});
