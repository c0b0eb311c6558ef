/**
 * The headless CLI end to end: real clients (curl, openssl s_client, Node, Python, Java) through
 * `pinscope proxy`, every category asserted in the JSONL it writes; `pinscope run`, `ca` and `export`.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { ConnectionLine } from '../../src/core/report/connectionReport';
import { curl, runClient } from '../support/clients';
import { ROOT, runCli, startCli, type RunningCli } from '../support/cli';
import { listenOnLoopback } from '../support/loopback';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { openTunnel } from '../support/proxyClient';
import { connectionLines } from '../support/eventsFile';

const CLIENTS = join(ROOT, 'test', 'cli', 'clients');

describe('pinscope proxy with real clients', () => {
  let origin: Origin;
  let cli: RunningCli;
  let dir: string;
  let events: string;
  let lines: ConnectionLine[] = [];
  const byHost = (host: string): ConnectionLine => {
    const line = lines.find((l) => l.host === host);
    assert.ok(line, `a record for ${host} in ${lines.map((l) => l.host).join(', ')}`);
    return line;
  };

  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('cli');
    events = join(dir, 'events.jsonl');
    cli = await startCli([
      'proxy',
      '--port',
      '0',
      '--ca-dir',
      join(dir, 'ca'),
      '--events',
      events,
      '--upstream-ca',
      origin.caFile,
      '--resolve',
      `*.example.test=127.0.0.1:${origin.port}`,
      '--resolve',
      'refused.example.test=127.0.0.1:1',
      '--handshake-timeout',
      '800',
    ]);
    const ca = join(dir, 'ca', 'pinscope-ca.pem');
    const echo = createTcpServer((socket) => socket.pipe(socket));
    const echoPort = await listenOnLoopback(echo);

    assert.equal((await curl(cli.url, 'https://ok.example.test/hello', ['--cacert', ca])).code, 0);
    assert.notEqual((await curl(cli.url, 'https://untrusting.example.test/hello')).code, 0);
    assert.equal(
      (
        await curl(cli.url, 'https://pinned.example.test/hello', [
          '--cacert',
          ca,
          '--pinnedpubkey',
          'sha256//YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=',
        ])
      ).code,
      90,
    );
    await runClient(
      'openssl',
      [
        's_client',
        '-connect',
        'sclient.example.test:443',
        '-proxy',
        `127.0.0.1:${cli.port}`,
        '-servername',
        'sclient.example.test',
        '-verify_return_error',
        '-brief',
      ],
      { input: '' },
    );
    const nodePin = await runClient(process.execPath, [
      join(CLIENTS, 'node_pinning_client.js'),
      String(cli.port),
      'nodepin.example.test',
      ca,
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ]);
    assert.match(nodePin.stdout, /pin mismatch/);
    const pyOk = await runClient('python3', [join(CLIENTS, 'python_client.py'), String(cli.port), 'python.example.test', ca]);
    assert.match(pyOk.stdout, /HTTP\/1\.1 200/, pyOk.stdout + pyOk.stderr);
    const pyUntrusting = await runClient('python3', [join(CLIENTS, 'python_client.py'), String(cli.port), 'pyuntrust.example.test']);
    assert.match(pyUntrusting.stdout, /CERTIFICATE_VERIFY_FAILED/);
    const java = await runClient('java', [join(CLIENTS, 'JavaClient.java'), 'https://java.example.test/hello', String(cli.port)], {
      timeoutMs: 60_000,
    });
    assert.match(java.stdout, /failed .*(SSLHandshakeException|PKIX)/, java.stdout + java.stderr);
    // not TLS: a line protocol in the tunnel
    const plain = await openTunnel(cli.port, '127.0.0.1', echoPort);
    await new Promise<void>((resolve) => {
      plain.once('data', () => resolve());
      plain.write('HELLO plain\n');
    });
    plain.end();
    // silence mid-handshake: the first bytes of a ClientHello, then nothing
    const silent = await openTunnel(cli.port, 'silent.example.test', 443);
    silent.write(Buffer.from('160301020001', 'hex'));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    silent.destroy();
    // a bare RST after the handshake
    const resetting = await openTunnel(cli.port, 'reset.example.test', 443);
    await new Promise<void>((resolve) => {
      const tls = connect({ socket: resetting, servername: 'reset.example.test', rejectUnauthorized: false }, () => {
        resetting.resetAndDestroy();
        resolve();
      });
      tls.on('error', () => undefined);
    });
    // no protocol version in common: a TLS 1.1-only client
    await runClient(
      'openssl',
      [
        's_client',
        '-connect',
        'old.example.test:443',
        '-proxy',
        `127.0.0.1:${cli.port}`,
        '-servername',
        'old.example.test',
        '-tls1_1',
        '-cipher',
        'DEFAULT:@SECLEVEL=0',
        '-brief',
      ],
      { input: '' },
    );
    // an unreachable upstream
    await curl(cli.url, 'https://refused.example.test/', ['--cacert', ca]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await cli.stop(), 0);
    echo.close();
    lines = readFileSync(events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ConnectionLine | { type: string })
      .filter((l): l is ConnectionLine => l.type === 'connection');
  });

  after(async () => {
    await origin.close();
  });

  it('never writes the CA key to its output or its events', () => {
    const key = readFileSync(join(dir, 'ca', 'pinscope-ca-key.pem'), 'utf8');
    const keyLine = key.split('\n')[1] ?? 'unreachable';
    for (const text of [cli.stderr(), readFileSync(events, 'utf8')]) {
      assert.ok(!text.includes('PRIVATE KEY') && !text.includes(keyLine));
    }
  });

  it('writes a proxy line, then one record per connection with the required fields', () => {
    const first = JSON.parse(readFileSync(events, 'utf8').split('\n')[0] ?? '{}') as { type: string; listening: string };
    assert.equal(first.type, 'proxy');
    const line = byHost('ok.example.test');
    for (const key of ['type', 'id', 'host', 'port', 'sni', 'category', 'alert', 'pinning', 'evidence', 'events'])
      assert.ok(key in line, key);
  });

  const expectations: [string, string, string | RegExp | null, string | null][] = [
    ['ok.example.test', 'ok', null, 'unlikely'],
    ['untrusting.example.test', 'cert-rejected', 'unknown_ca', null],
    ['pinned.example.test', 'closed-after-handshake', null, 'likely'],
    ['sclient.example.test', 'cert-rejected', 'unknown_ca', null],
    ['nodepin.example.test', 'closed-after-handshake', null, null],
    ['python.example.test', 'ok', null, 'unlikely'],
    ['pyuntrust.example.test', 'cert-rejected', 'unknown_ca', null],
    ['java.example.test', 'cert-rejected', 'certificate_unknown', null],
    ['127.0.0.1', 'not-tls', null, 'unlikely'],
    ['silent.example.test', 'handshake-timeout', null, null],
    ['reset.example.test', 'reset', null, null],
    ['old.example.test', 'tls-mismatch', /protocol_version|null/, 'unlikely'],
    ['refused.example.test', 'upstream-failed', null, 'unlikely'],
  ];
  for (const [host, category, alert, pinning] of expectations) {
    it(`${host} → ${category}${alert ? ` (${String(alert)})` : ''}`, () => {
      const line = byHost(host);
      assert.equal(line.category, category, JSON.stringify(line.events.map((e) => e.kind)));
      if (alert instanceof RegExp) assert.match(String(line.alert), alert);
      else if (alert) assert.equal(line.alert, alert);
      if (pinning) assert.equal(line.pinning, pinning);
      assert.ok(line.evidence.length > 0);
    });
  }

  it('judges a client that trusts the CA elsewhere (same JA4) and then rejects a host as likely pinning, in the summary', () => {
    assert.match(cli.stderr(), /per-host summary/);
    assert.match(cli.stderr(), /pinned\.example\.test:443 {2}BREAKS, pinning likely/);
  });

  it('exports an exemption request from the recorded JSONL', async () => {
    const zscaler = await runCli(['export', '--from', events, '--format', 'zscaler-urls', '--host', 'pinned.example.test']);
    assert.equal(zscaler.code, 0, zscaler.stderr);
    assert.equal(zscaler.stdout, 'pinned.example.test\n');
    const report = await runCli(['export', '--from', events, '--format', 'report-md', '--app', 'Acme', '--app-version', '1.0']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /SSL inspection exemption request: Acme 1\.0/);
    assert.match(report.stdout, /pinned\.example\.test/);
    const list = await runCli(['export', '--format', 'list']);
    assert.match(list.stdout, /^zscaler-urls$/m);
    const bad = await runCli(['export', '--from', events, '--format', 'nonsense']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format "nonsense" is unknown/);
  });
});

describe('pinscope proxy --confirm-by-tunnelling', () => {
  const PIN = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

  /**
   * A proxy confirming by tunnelling, the clients `drive` runs through it (given the proxy's URL, the
   * Pinscope CA and the origin's CA), then its connection lines and its stderr.
   */
  async function confirming(
    name: string,
    drive: (url: string, ca: string, originCa: string) => Promise<void>,
  ): Promise<{ lines: ConnectionLine[]; stderr: string }> {
    const origin = await startOrigin();
    const dir = temporaryDirectory(name);
    const events = join(dir, 'events.jsonl');
    // Without attribution the client is known by its TLS fingerprint: each curl is the same client, so the
    // evidence does not hang on whether a short-lived process is found in time on a busy machine.
    const cli = await startCli([
      'proxy',
      '--confirm-by-tunnelling',
      '--no-attribute-processes',
      '--ca-dir',
      join(dir, 'ca'),
      '--events',
      events,
      '--upstream-ca',
      origin.caFile,
      '--resolve',
      `*.example.test=127.0.0.1:${origin.port}`,
    ]);
    try {
      await drive(cli.url, join(dir, 'ca', 'pinscope-ca.pem'), origin.caFile);
    } finally {
      await cli.stop();
      await origin.close();
    }
    return { lines: connectionLines(events), stderr: cli.stderr() };
  }

  it('tunnels a host after it broke twice, and marks it confirmed when it then works', async () => {
    const { lines, stderr } = await confirming('confirm', async (url, ca, originCa) => {
      // The client trusts the CA (it fetches another host through it), then pins the real server's key at
      // app.example.test: it fails intercepted (a likely pin, rung L1a), and works when tunnelled.
      assert.equal((await curl(url, 'https://fine.example.test/hello', ['--cacert', ca])).code, 0);
      const pinned = ['--cacert', ca, '--pinnedpubkey', PIN];
      assert.equal((await curl(url, 'https://app.example.test/hello', pinned)).code, 90);
      assert.equal((await curl(url, 'https://app.example.test/hello', pinned)).code, 90);
      const third = await curl(url, 'https://app.example.test/hello', ['--cacert', originCa]);
      assert.equal(third.code, 0, third.stderr);
    });
    assert.deepEqual(
      lines.map((l) => `${l.host} ${l.mode}`),
      ['fine.example.test intercept', 'app.example.test intercept', 'app.example.test intercept', 'app.example.test tunnel'],
    );
    assert.equal(lines[3]?.confirmed, true);
    assert.match(stderr, /app\.example\.test:443 {2}BREAKS, pinning likely \(confirmed\)/);
  });

  it('does not confirm a host whose tunnelled client rejects the real certificate too (its handshake bytes are not data)', async () => {
    const { lines, stderr } = await confirming('confirm-not', async (url, ca) => {
      const pinned = ['--cacert', ca, '--pinnedpubkey', PIN];
      assert.equal((await curl(url, 'https://app.example.test/hello', pinned)).code, 90);
      assert.equal((await curl(url, 'https://app.example.test/hello', pinned)).code, 90);
      // Tunnelled, the client meets the real certificate, which it does not trust: nothing works.
      const third = await curl(url, 'https://app.example.test/hello', ['--cacert', ca]);
      assert.equal(third.code, 60, third.stderr);
    });
    assert.deepEqual(
      lines.map((l) => `${l.host} ${l.mode}`),
      ['app.example.test intercept', 'app.example.test intercept', 'app.example.test tunnel'],
    );
    assert.notEqual(lines[2]?.confirmed, true);
    assert.doesNotMatch(stderr, /\(confirmed\)/);
  });
});

describe('pinscope run, ca and bad input', () => {
  let origin: Origin;
  let dir: string;
  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('run');
  });
  after(async () => {
    await origin.close();
  });
  const proxyArgs = (): string[] => [
    '--ca-dir',
    join(dir, 'ca'),
    '--upstream-ca',
    origin.caFile,
    '--resolve',
    `*.example.test=127.0.0.1:${origin.port}`,
  ];

  it('runs a command that survives inspection and exits 0', async () => {
    const report = join(dir, 'report.md');
    const result = await runCli([
      'run',
      ...proxyArgs(),
      '--report',
      report,
      '--',
      'curl',
      '-sS',
      '--max-time',
      '10',
      'https://fine.example.test/hello',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /hello from origin/);
    assert.match(result.stderr, /fine\.example\.test:443 {2}ok/);
    assert.ok(existsSync(report));
    assert.match(readFileSync(report, 'utf8'), /No host breaks under inspection/);
  });

  it('gives the command a trust bundle, so that tunnelled hosts still verify with their real certificates', async () => {
    const result = await runCli([
      'run',
      ...proxyArgs(),
      '--passthrough',
      'real.example.test',
      '--events',
      join(dir, 'run-events.jsonl'),
      '--',
      'sh',
      '-c',
      'curl -sS --max-time 10 https://real.example.test/hello && curl -sS --max-time 10 https://forged.example.test/hello',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hello from origin over HTTP/2.0\nhello from origin over HTTP/2.0\n');
    const modes = readFileSync(join(dir, 'run-events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; host?: string; mode?: string })
      .filter((l) => l.type === 'connection')
      .map((l) => `${l.host ?? ''}:${l.mode ?? ''}`);
    assert.deepEqual(modes, ['real.example.test:tunnel', 'forged.example.test:intercept']);
  });

  it("exits with the command's status when it breaks", async () => {
    const result = await runCli([
      'run',
      ...proxyArgs(),
      '--',
      'curl',
      '-sS',
      '--max-time',
      '10',
      '--pinnedpubkey',
      'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      'https://pinned.example.test/hello',
    ]);
    assert.equal(result.code, 90);
    assert.match(result.stderr, /pinned\.example\.test:443 {2}BREAKS, pinning likely/);
  });

  it('exits 128 + the number of the signal that killed the command, as a shell does', async () => {
    for (const [signal, code] of [
      ['INT', 130],
      ['KILL', 137],
      ['TERM', 143],
    ] as const) {
      const result = await runCli(['run', ...proxyArgs(), '--', 'sh', '-c', `kill -${signal} $$`]);
      assert.equal(result.code, code, `SIG${signal}: ${result.stderr}`);
    }
  });

  it('fails by policy (exit 3) when the command succeeds but a host likely pins', async () => {
    const script = `curl -sS --max-time 10 --pinnedpubkey sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= https://pinned.example.test/hello; exit 0`;
    assert.equal((await runCli(['run', ...proxyArgs(), '--', 'sh', '-c', script])).code, 3);
    assert.equal((await runCli(['run', ...proxyArgs(), '--fail-on', 'never', '--', 'sh', '-c', script])).code, 0);
  });

  it('exports the CA as PEM and DER that openssl reads, never the key', async () => {
    const der = join(dir, 'ca.der');
    assert.equal((await runCli(['ca', '--ca-dir', join(dir, 'ca'), '--der', '--out', der])).code, 0);
    const parsed = await runClient('openssl', ['x509', '-inform', 'der', '-in', der, '-noout', '-subject']);
    assert.match(parsed.stdout, /Pinscope Inspection CA/);
    const pem = await runCli(['ca', '--ca-dir', join(dir, 'ca')]);
    assert.match(pem.stdout, /^-----BEGIN CERTIFICATE-----/);
    assert.ok(!pem.stdout.includes('PRIVATE KEY'));
  });

  it('rejects bad flags and values with a precise message and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['proxy', '--port', 'eighty'], /--port expects a whole number/],
      [['proxy', '--port', '70000'], /--port must be between 0 and 65535/],
      [['proxy', '--bogus'], /Unknown option '--bogus'/],
      [['proxy', '--resolve', 'nonsense'], /--resolve: "nonsense" is not a host override/],
      [['proxy', '--upstream-proxy', 'socks5://x:1'], /only http:\/\/ proxies/],
      [['run', '--fail-on', 'sometimes', '--', 'true'], /--fail-on expects one of pinning, breakage, never/],
      [['run'], /needs a command after --/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it('prints help for each command', async () => {
    for (const command of ['proxy', 'run', 'ca', 'export']) {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`Usage: pinscope ${command}`));
    }
  });
});
