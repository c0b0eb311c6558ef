/**
 * The client-compatibility matrix: every client below, through `pinscope proxy` (Go also through
 * `pinscope run`), once trusting the Pinscope CA and once not. Trusting it must give `ok` (with HTTP/2
 * where the client offers it); not trusting it must give `cert-rejected` with the alert that client really
 * sends, or the category it really produces — asserted on the JSONL records the CLI writes. The results
 * are written to results.json, from which the README's table is generated.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionLine } from '../../src/core/report/connectionReport';
import { runClient, type ClientResult } from '../support/clients';
import { ROOT, runCli, startCli, type RunningCli } from '../support/cli';
import { startOrigin, type Origin } from '../support/origin';
import { CLIENTS, buildGo, cleanEnv, type CompatClient, type MatrixContext } from './clientCatalogue';
import { RESULTS_FILE, readResults, readmeTable, renderTable, type CompatResult } from './compatTable';
import { connectionLines } from '../support/eventsFile';

const slug = (client: CompatClient): string =>
  client.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
const hostFor = (client: CompatClient, trusted: boolean): string => `${slug(client)}-${trusted ? 'trusted' : 'untrusted'}.example.test`;

const negotiated = (line: ConnectionLine): string | null => {
  const done = line.events.find((e) => e.kind === 'handshake-complete');
  return done && 'alpn' in done ? done.alpn : null;
};
const describeLine = (line: ConnectionLine | undefined): string =>
  line ? `${line.category}${line.alert ? `, alert ${line.alert}` : ''}` : 'no connection';

interface Outcome {
  readonly client: CompatClient;
  readonly trustedRun: ClientResult;
  readonly untrustedRun: ClientResult;
  trusted: ConnectionLine[];
  untrusted: ConnectionLine[];
}

describe('client compatibility matrix', () => {
  const committed = readResults();
  let origin: Origin;
  let cli: RunningCli;
  let context: MatrixContext;
  let dir: string;
  const outcomes = new Map<string, Outcome>();
  let goRun: { code: number; stdout: string; stderr: string; lines: ConnectionLine[] };

  before(async () => {
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'pinscope-compat-'));
    const events = join(dir, 'events.jsonl');
    const proxyArgs = ['--ca-dir', join(dir, 'ca'), '--upstream-ca', origin.caFile, '--resolve', `*.example.test=127.0.0.1:${origin.port}`];
    cli = await startCli(['proxy', '--port', '0', ...proxyArgs, '--events', events]);
    const clientsDir = join(ROOT, 'test', 'compat', 'clients');
    const [go, javac] = await Promise.all([
      buildGo(join(clientsDir, 'get.go'), join(dir, 'get'), join(dir, 'go-cache')),
      runClient('javac', ['-d', join(dir, 'java'), join(clientsDir, 'Get.java')], { timeoutMs: 120_000 }),
    ]);
    assert.equal(go.code, 0, `go build: ${go.stderr}`);
    assert.equal(javac.code, 0, `javac: ${javac.stderr}`);
    context = {
      proxyPort: cli.port,
      caFile: join(dir, 'ca', 'pinscope-ca.pem'),
      work: dir,
      goBinary: join(dir, 'get'),
      javaClasses: join(dir, 'java'),
      clientsDir,
    };

    // The done-when case: a Go program that trusts the CA through `pinscope run` (SSL_CERT_FILE, HTTPS_PROXY).
    const goEvents = join(dir, 'go-run.jsonl');
    const goHost = hostFor(CLIENTS[0] as CompatClient, true);
    const run = await runCli(['run', ...proxyArgs, '--events', goEvents, '--', context.goBinary, `https://${goHost}/hello`], cleanEnv());
    goRun = { ...run, lines: connectionLines(goEvents) };

    for (const client of CLIENTS) {
      const trustedRun =
        client === CLIENTS[0]
          ? { code: run.code, stdout: run.stdout, stderr: run.stderr }
          : await client.run(true, `https://${hostFor(client, true)}/hello`, context);
      const untrustedRun = await client.run(false, `https://${hostFor(client, false)}/hello`, context);
      outcomes.set(client.name, { client, trustedRun, untrustedRun, trusted: [], untrusted: [] });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await cli.stop(), 0);
    const lines = [...connectionLines(events), ...goRun.lines];
    for (const outcome of outcomes.values()) {
      outcome.trusted = lines.filter((l) => l.host === hostFor(outcome.client, true));
      outcome.untrusted = lines.filter((l) => l.host === hostFor(outcome.client, false));
    }
  });

  after(async () => {
    await origin.close();
    const results: CompatResult[] = [];
    for (const { client, trusted, untrusted } of outcomes.values()) {
      const ok = trusted.find((l) => l.category === 'ok');
      results.push({
        client: client.name,
        version: await client.version(),
        library: await client.library(),
        trusted:
          trusted.length === 0 ? 'could not run here' : ok ? `ok${negotiated(ok) === 'h2' ? ' (HTTP/2)' : ''}` : describeLine(trusted[0]),
        untrusted: untrusted.length === 0 ? 'could not run here' : describeLine(untrusted[0]),
      });
    }
    if (results.length === CLIENTS.length) writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    if (renderTable(results) !== renderTable(committed)) {
      process.stdout.write(
        'compat: the results differ from the committed test/compat/results.json (now rewritten): run `node out/test/compat/compatTable.js --write` to update the README\n',
      );
    }
  });

  it('runs a Go program that trusts the CA through `pinscope run`, recorded ok', () => {
    assert.equal(goRun.code, 0, goRun.stderr);
    assert.match(goRun.stdout, /^ok 200 HTTP\/2\.0/);
    assert.deepEqual(
      goRun.lines.map((l) => l.category),
      ['ok'],
    );
  });

  for (const client of CLIENTS) {
    describe(client.name, () => {
      it(`trusting the CA: ok${client.alpn === 'h2' ? ', over HTTP/2' : ''}`, (t) => {
        const outcome = outcomes.get(client.name);
        assert.ok(outcome);
        if (client.name.startsWith('Firefox') && outcome.trusted.length === 0) {
          t.skip(`Firefox ESR made no connection through the proxy on this machine: ${outcome.trustedRun.stderr.slice(0, 300)}`);
          return;
        }
        const detail = `${outcome.trustedRun.stdout.slice(0, 300)} ${outcome.trustedRun.stderr.slice(0, 600)} records: ${outcome.trusted.map(describeLine).join('; ')}`;
        assert.ok(outcome.trusted.length > 0, `no connection recorded: ${detail}`);
        if (client.exitCodeIsResult !== false) assert.equal(outcome.trustedRun.code, 0, detail);
        const ok = outcome.trusted.filter((l) => l.category === 'ok');
        assert.ok(ok.length > 0, detail);
        assert.ok(
          outcome.trusted.every((l) => l.category !== 'cert-rejected'),
          detail,
        );
        if (client.alpn) assert.equal(negotiated(ok[0] as ConnectionLine), client.alpn, detail);
      });
      it(`not trusting it: ${client.untrusted.category}${client.untrusted.alert ? ` (${client.untrusted.alert})` : ''}`, (t) => {
        const outcome = outcomes.get(client.name);
        assert.ok(outcome);
        if (client.name.startsWith('Firefox') && outcome.untrusted.length === 0) {
          t.skip(`Firefox ESR made no connection through the proxy on this machine: ${outcome.untrustedRun.stderr.slice(0, 300)}`);
          return;
        }
        const first = outcome.untrusted[0];
        const detail = `${outcome.untrustedRun.stdout.slice(0, 300)} ${outcome.untrustedRun.stderr.slice(0, 300)} records: ${outcome.untrusted.map(describeLine).join('; ')}`;
        assert.ok(first, `no connection recorded: ${detail}`);
        if (client.exitCodeIsResult !== false) assert.notEqual(outcome.untrustedRun.code, 0, `the client must fail: ${detail}`);
        assert.equal(first.category, client.untrusted.category, detail);
        assert.equal(first.alert, client.untrusted.alert, detail);
      });
    });
  }

  it('the README table is the one generated from the committed results.json', () => {
    assert.equal(
      readmeTable(),
      renderTable(committed),
      'run `node out/test/compat/compatTable.js --write` after the matrix rewrote test/compat/results.json',
    );
  });
});
