/**
 * Hardening II (issue 23) for the CLI: every bad flag or value exits 2 with a precise message (and no
 * password), the events file is checked at start, written owner-only without credentials, and a failing
 * events sink never stops the proxy; a damaged recording is used for what it holds.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toConnectionLine } from '../../src/core/report/connectionReport';
import { judgeAll } from '../../src/core/diagnosis/hostSummary';
import type { ConnectionRecord } from '../../src/core/timeline';
import { curl, waitFor } from '../support/clients';
import { ROOT, runCli, startCli } from '../support/cli';
import { startOrigin } from '../support/origin';
import { X509Certificate } from 'node:crypto';
import { JA4_APP, transcripts } from '../support/transcripts';

// eslint-disable-next-line no-control-regex -- the point: no raw control characters on a terminal
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function recordingLines(records: ConnectionRecord[]): string[] {
  return judgeAll(records).map(({ record, verdict }) => JSON.stringify(toConnectionLine(record, verdict)));
}

describe('pinscope CLI: the exit-2 promise', () => {
  let dir: string;
  let recording: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pinscope-cli-hardening-'));
    recording = join(dir, 'events.jsonl');
    writeFileSync(recording, `${recordingLines([transcripts.ok('api.example.com', JA4_APP), transcripts.closedAfterHandshake('pinned.example.com'), transcripts.closedAfterHandshake('pinned.example.com', JA4_APP)]).join('\n')}\n`);
  });

  it('exits 2 with a precise message for every bad flag or value, before listening, and never prints a password', async () => {
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, '');
    const ca = ['--ca-dir', join(dir, 'ca')];
    const cases: [string[], RegExp][] = [
      [['proxy', ...ca, '--host', '999.1.1.1'], /--host expects an IP address/],
      [['proxy', ...ca, '--upstream-ca', join(dir, 'missing.pem')], /upstream CA file .*missing\.pem: ENOENT/],
      [['proxy', ...ca, '--upstream-ca', notPem], /holds no certificate/],
      [['proxy', '--ca-dir', aFile], /--ca-dir .* is not a directory/],
      [['ca', '--ca-dir', aFile], /--ca-dir .* is not a directory/],
      [['ca', ...ca, '--out', '/nonexistent/d/x'], /cannot write --out \/nonexistent\/d\/x: ENOENT/],
      [['export', '--from', recording, '--format', 'zscaler-urls', '--out', '/nonexistent/x'], /cannot write --out \/nonexistent\/x: ENOENT/],
      [['proxy', ...ca, '--resolve', 'x.test=not-an-ip'], /--resolve x\.test=not-an-ip: "not-an-ip" is not an IP address/],
      [['proxy', ...ca, '--resolve', 'x.test=[zz]:443'], /"zz" is not an IP address/],
      [['proxy', ...ca, '--passthrough', '*'], /would tunnel every host/],
      [['proxy', ...ca, '--upstream-proxy', 'http://h:0'], /--upstream-proxy: .*port 0/],
      [['proxy', ...ca, '--upstream-proxy', ''], /--upstream-proxy: is empty/],
      [['proxy', ...ca, '--upstream-proxy', 'https://u:secretpw@h:1'], /only http:\/\/ proxies/],
      [['export', '--from', recording, '--format', 'report-md', '--vendor', 'nope'], /--vendor "nope" is unknown/],
      [['export', '--from', recording, '--format', 'zscaler-urls', '--host', 'bad host!'], /--host "bad host!" cannot be exempted: /],
      [['proxy', ...ca, '--keylog', '/nonexistent/d/k'], /key log \/nonexistent\/d\/k cannot be opened: ENOENT/],
      [['proxy', ...ca, '--events', '/nonexistent/d/x.jsonl'], /--events \/nonexistent\/d\/x\.jsonl: cannot be written \(ENOENT\)/],
      [['run', ...ca, '--events', '/nonexistent/d/x.jsonl', '--', 'true'], /--events .*ENOENT/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stderr, /listening on|secretpw/, args.join(' '));
    }
  });

  it('uses a damaged recording for what it holds, naming the lines it skipped', async () => {
    const [good, second] = recordingLines([transcripts.closedAfterHandshake('pinned.example.com'), transcripts.reset('\u001b]0;PWNED\u0007.example.com')]);
    assert.ok(good && second);
    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(damaged, [
      good,
      second,
      JSON.stringify({ ...JSON.parse(good) as object, id: 90, events: [{ kind: 'client-hello', t: 1 }] }),
      JSON.stringify({ ...JSON.parse(good) as object, id: 91, startedAt: 'yesterday' }),
      good.slice(0, 70),
    ].join('\n'));
    const result = await runCli(['export', '--from', damaged, '--format', 'report-csv']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /pinned\.example\.com/);
    assert.match(result.stderr, /skipped .*line 3: a client-hello event without a well-formed hello/);
    assert.match(result.stderr, /skipped .*line 4: startedAt "yesterday" is not a time/);
    assert.match(result.stderr, /skipped .*line 5: not JSON/);
    assert.doesNotMatch(result.stderr, RAW_CONTROL, 'hostile host names are escaped on stderr');
  });
});

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
  after(() => { origin.close(); });

  it('keeps proxying when stdout closes under --events - (EPIPE), saying so once', async () => {
    const cli = await startCli(['proxy', '--port', '0', '--ca-dir', join(dir, 'ca'), '--events', '-']);
    cli.child.stdout?.destroy();
    for (let i = 0; i < 4; i++) assert.match((await curl(cli.url, `http://127.0.0.1:${originPort}/n${i}`)).stdout, /^ok/);
    assert.equal(cli.child.exitCode, null, `the proxy is still running: ${cli.stderr()}`);
    // A line is written once its connection is judged, which waits (bounded) for the process behind it.
    await waitFor(() => (cli.stderr().includes('cannot write the events') ? true : undefined), 5000, 'the events sink error').catch(() => undefined);
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

describe('pinscope CLI: output complete before exit (issue 28)', () => {
  const cli = join(ROOT, 'dist', 'cli.js');
  let dir: string;
  let workspace: string;
  let recording: string;
  const HOSTS = 3000;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pinscope-cli-output-'));
    workspace = join(dir, 'app');
    mkdirSync(workspace);
    const adds = Array.from({ length: 200 }, (_, i) => `  .add("h${i}.example.com", "sha256/7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=")`);
    writeFileSync(join(workspace, 'Pins.kt'), `val pinner = CertificatePinner.Builder()\n${adds.join('\n')}\n  .build()\n`);
    recording = join(dir, 'events.jsonl');
    // The client (by its TLS fingerprint) works at one host and abandons every other after the handshake: each a likely pin (L1a).
    const pins = Array.from({ length: HOSTS }, (_, i) => transcripts.closedAfterHandshake(`host${i}.pinned-example.com`, JA4_APP));
    writeFileSync(recording, `${recordingLines([transcripts.ok('www.example.com', JA4_APP), ...pins]).join('\n')}\n`);
  });

  /** Runs `pinscope ARGS | READER` in a shell, the reader starting late (so the pipe fills); returns the reader's output. */
  function piped(args: string, reader: string): string {
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" ${args} | (sleep 1; ${reader})`], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  }

  it('a 200-pin SARIF piped to jq parses', () => {
    assert.equal(piped(`scan "${workspace}" --format sarif --fail-on never`, "jq '.runs[0].results | length'"), '200');
  });

  it('a piped export keeps every host', () => {
    for (const format of ['no-proxy', 'pac']) {
      const out = join(dir, `export.${format}`);
      assert.equal(spawnSync(process.execPath, [cli, 'export', '--from', recording, '--format', format, '--out', out]).status, 0);
      // The same export but for its "generated at" line (and the app's name, which npm sets in the environment).
      const withoutStamp = (text: string): string => text.replace(/^.*Generated by Pinscope.*$/m, '');
      const written = withoutStamp(readFileSync(out, 'utf8').trim());
      assert.ok(written.length > 64 * 1024 && (written.match(/pinned-example/g)?.length ?? 0) >= HOSTS, format);
      assert.equal(withoutStamp(piped(`export --from "${recording}" --format ${format}`, 'cat')), written, format);
    }
  });

  it('exits with an error when standard output cannot be written', async () => {
    const child = spawn(process.execPath, [cli, 'scan', workspace, '--format', 'sarif', '--fail-on', 'never'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /cannot write to standard output \(EPIPE\)/);
  });
});

describe('pinscope CLI: no secret from the command line in any output (issue 28)', () => {
  it('pinscope run --junit --report --events -- CMD --token SUPERSECRET writes SUPERSECRET nowhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinscope-cli-secret-'));
    const origin = createHttpServer((_request, response) => response.end('ok\n'));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
      const files = { junit: join(dir, 'junit.xml'), report: join(dir, 'report.md'), events: join(dir, 'events.jsonl') };
      const result = await runCli(['run', '--port', '0', '--ca-dir', join(dir, 'ca'), '--junit', files.junit, '--report', files.report, '--events', files.events, '--fail-on', 'never', '--', 'sh', '-c', 'curl -sS "$0"', url, '--token', 'SUPERSECRET', '-pSUPERSECRET'], { ...process.env, GITHUB_ACTIONS: 'true' });
      assert.equal(result.code, 0, result.stderr);
      const outputs: Record<string, string> = { stdout: result.stdout, stderr: result.stderr, junit: readFileSync(files.junit, 'utf8'), report: readFileSync(files.report, 'utf8'), events: readFileSync(files.events, 'utf8') };
      for (const [name, text] of Object.entries(outputs)) assert.ok(!text.includes('SUPERSECRET'), `${name} carries the secret:\n${text}`);
      assert.match(outputs['junit'] ?? '', /--token \*\*\*/);
      assert.match(outputs['report'] ?? '', /--token \*\*\*/);
      assert.match(outputs['events'] ?? '', /127\.0\.0\.1/);
    } finally {
      origin.close();
    }
  });
});

describe('pinscope CLI: concurrent first starts (issue 28)', () => {
  it('three runs started together on a fresh CA folder leave one CA that every curl trusts', async () => {
    const origin = await startOrigin();
    try {
      const caDir = join(mkdtempSync(join(tmpdir(), 'pinscope-cli-ca-race-')), 'ca');
      const run = (): ReturnType<typeof runCli> => runCli(['run', '--port', '0', '--ca-dir', caDir, '--upstream-ca', origin.caFile, '--resolve', `race.example.test=127.0.0.1:${origin.port}`, '--fail-on', 'breakage', '--', 'curl', '-sS', '--max-time', '30', 'https://race.example.test/']);
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
