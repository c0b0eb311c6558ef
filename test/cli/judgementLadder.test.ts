/**
 * The evidence ladder (docs/judgement.md) with REAL clients, each run alone as its own process (no second
 * host to compare):
 *  - on a managed-style machine whose CA variables point at the system bundle, clients that trust the
 *    Pinscope CA in their own code and pin the real server are never "unlikely"; those whose stack checks
 *    the chain inside the handshake and completed it are "likely" (L1c);
 *  - the same clients not trusting the CA are never "likely";
 *  - apps started by `pinscope run` that pin are "likely", each alone (L1b/L1c), and a Go app that fetched
 *    one host over a kept-alive connection and then rejects a pinned one is "likely" (L1a) in its line;
 *  - one recording with a tunnelling confirmation gives the same verdicts through the live lines and
 *    summary, a recording opened as the editor opens it, and `pinscope export --from`.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasEvidence } from '../../src/core/exemptions/hostSelection';
import { Recording } from '../../src/core/recording';
import type { ConnectionLine } from '../../src/core/report/connectionReport';
import { runClient, type ClientResult } from '../support/clients';
import { ROOT, runCli, startCli } from '../support/cli';
import { startHarness, type Harness } from '../support/harness';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';

const CLIENTS_DIR = join(ROOT, 'test', 'cli', 'clients', 'ladder');
const WRONG_PIN = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const TIMEOUT_MS = 120_000;
/** A managed-style machine: every CA variable points at the system bundle, which lacks the Pinscope CA. */
const MANAGED_ENV: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: process.env['HOME'] ?? '/tmp',
  LANG: 'C.UTF-8',
  SSL_CERT_FILE: SYSTEM_BUNDLE,
  NODE_EXTRA_CA_CERTS: SYSTEM_BUNDLE,
  REQUESTS_CA_BUNDLE: SYSTEM_BUNDLE,
  CURL_CA_BUNDLE: SYSTEM_BUNDLE,
};

let goBuild: Promise<string> | undefined;
function goClient(): Promise<string> {
  goBuild ??= new Promise<string>((resolve, reject) => {
    const binary = join(temporaryDirectory('ladder-go'), 'ladderclient');
    execFile(
      'go',
      ['build', '-o', binary, join(CLIENTS_DIR, 'ladderclient.go')],
      { env: { ...process.env, GO111MODULE: 'off' }, timeout: 240_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`go build failed: ${stderr || error.message}`)) : resolve(binary)),
    );
  });
  return goBuild;
}

interface LadderClient {
  readonly runtime: string;
  /** Its stack checks the chain inside the handshake and the client completes it before its own pin check. */
  readonly completesThenChecks: boolean;
  /** The command line: `ca` trusted in its code ("-": its defaults), `pin` checked ("-": none). */
  command(proxyUrl: string, host: string, ca: string, pin: string): [string, string[]] | Promise<[string, string[]]>;
}

const CLIENTS: readonly LadderClient[] = [
  {
    runtime: 'python',
    completesThenChecks: true,
    command: (p, h, ca, pin) => ['python3', [join(CLIENTS_DIR, 'ladder_client.py'), p, h, ca, pin]],
  },
  {
    runtime: 'node',
    completesThenChecks: false,
    command: (p, h, ca, pin) => [process.execPath, [join(CLIENTS_DIR, 'ladder_client.js'), p, h, ca, pin]],
  },
  {
    runtime: 'go',
    completesThenChecks: false,
    command: async (_p, h, ca, pin) => [await goClient(), [ca, pin, `${pin === '-' ? '' : 'pin:'}https://${h}/hello`]],
  },
  {
    runtime: 'java',
    completesThenChecks: true,
    command: (p, h, ca, pin) => ['java', [join(CLIENTS_DIR, 'LadderClient.java'), p, h, ca, pin]],
  },
  {
    runtime: 'ruby',
    completesThenChecks: true,
    command: (p, h, ca, pin) => ['ruby', [join(CLIENTS_DIR, 'ladder_client.rb'), p, h, ca, pin]],
  },
  {
    runtime: 'curl',
    completesThenChecks: true,
    command: (p, h, ca, pin) => [
      'curl',
      [
        '-sS',
        '--max-time',
        '20',
        '--noproxy',
        '',
        '-x',
        p,
        ...(ca === '-' ? [] : ['--cacert', ca]),
        ...(pin === '-' ? [] : ['--pinnedpubkey', `sha256//${pin}`]),
        `https://${h}/hello`,
      ],
    ],
  },
];

async function run(client: LadderClient, h: Harness, host: string, ca: string, pin: string): Promise<ClientResult> {
  const [command, args] = await client.command(h.proxyUrl, host, ca, pin);
  return runClient(command, args, { env: { ...MANAGED_ENV, HTTPS_PROXY: h.proxyUrl }, timeoutMs: TIMEOUT_MS });
}

const failed = (result: ClientResult): boolean => result.code !== 0 || /^failed/m.test(result.stdout);

/**
 * Runs the client (it fails) until the proxy attributed its connection to its process and trust, at most
 * 3 times, each to a new host: on a loaded machine the lookup can miss its deadline, and an unknown
 * process is only ever "possible" (P4), which says nothing of the ladder under test.
 */
async function attributedConnection(client: LadderClient, h: Harness, name: string, ca: string, pin: string): Promise<ConnectionLine> {
  let line: ConnectionLine | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const host = `${name}-${attempt}.example.test`;
    const result = await run(client, h, host, ca, pin);
    assert.ok(failed(result), `${result.stdout}${result.stderr}`);
    line = (await h.connection(host)).line;
    if (line.process?.kind === 'local' && line.trust !== null) break;
  }
  assert.ok(line);
  return line;
}

describe('the ladder with real clients, each alone, on a managed-style machine', { timeout: 900_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ handshakeTimeoutMs: 20_000 });
  });
  after(async () => {
    await h.close();
  });

  for (const client of CLIENTS) {
    it(`${client.runtime} trusting the CA in its own code and pinning: never unlikely${client.completesThenChecks ? '; likely (L1c): it completed the handshake' : ''}`, async () => {
      const line = await attributedConnection(client, h, `${client.runtime}-codetrust`, h.caFile, WRONG_PIN);
      const said = JSON.stringify({
        process: line.process?.name,
        trust: line.trust?.trustsCa,
        category: line.category,
        rung: line.rung,
        pinning: line.pinning,
        evidence: line.evidence,
      });
      assert.equal(line.process?.kind, 'local', said);
      assert.notEqual(line.pinning, 'unlikely', said);
      if (client.completesThenChecks) {
        assert.equal(line.pinning, 'likely', said);
        assert.equal(line.rung, 'L1c', said);
      }
    });
  }

  for (const client of CLIENTS) {
    it(`${client.runtime} not trusting the CA: never likely`, async () => {
      const line = await attributedConnection(client, h, `${client.runtime}-distrust`, '-', '-');
      assert.notEqual(
        line.pinning,
        'likely',
        JSON.stringify({ category: line.category, alert: line.alert, rung: line.rung, evidence: line.evidence }),
      );
    });
  }
});

describe('pinscope run: apps that pin are likely, each alone', { timeout: 900_000 }, () => {
  let origin: Origin;
  let dir: string;
  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('ladder-run');
  });
  after(async () => {
    await origin.close();
  });

  async function runApp(name: string, script: string): Promise<ConnectionLine[]> {
    const events = join(dir, `${name}.jsonl`);
    // A curl first, another process that nothing is credited to the app from: it warms the proxy's process
    // lookup, whose first answer on a busy machine can miss its deadline ("unknown process", P4).
    const warmUp = `curl -sS --max-time 20 https://warm-${name}.example.test/hello >/dev/null`;
    const result = await runCli([
      'run',
      '--ca-dir',
      join(dir, 'ca'),
      '--upstream-ca',
      origin.caFile,
      '--resolve',
      `*.example.test=127.0.0.1:${origin.port}`,
      '--events',
      events,
      '--fail-on',
      'never',
      '--',
      'sh',
      '-c',
      `${warmUp}; ${script}; exit 0`,
    ]);
    // The app runs as a child of the shell (not exec'd: the shell's own process would carry its name).
    assert.match(result.stderr, /per-host summary/, result.stderr);
    return readFileSync(events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ConnectionLine | { type: string })
      .filter((l): l is ConnectionLine => l.type === 'connection');
  }
  /**
   * Runs the app until the proxy attributed the connection to `host` to its process and trust (at most 3
   * times): on a loaded machine the lookup can miss its deadline, and an unknown process is only ever
   * "possible" (P4), which says nothing of the ladder under test.
   */
  async function attributedRun(name: string, script: string, host: string): Promise<ConnectionLine[]> {
    let lines: ConnectionLine[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      lines = await runApp(`${name}-${attempt}`, script);
      const line = lines.find((l) => l.host === host);
      if (line?.process?.kind === 'local' && line.trust !== null) break;
    }
    return lines;
  }
  const lineFor = (lines: readonly ConnectionLine[], host: string): ConnectionLine => {
    const line = lines.find((l) => l.host === host);
    assert.ok(line, `${host} recorded: ${JSON.stringify(lines.map((l) => l.host))}`);
    return line;
  };
  const describeLine = (line: ConnectionLine): string =>
    JSON.stringify({
      process: line.process?.name,
      trust: line.trust,
      category: line.category,
      rung: line.rung,
      pinning: line.pinning,
      evidence: line.evidence,
    });

  const apps: [string, (host: string) => string | Promise<string>][] = [
    ['go', async (host) => `'${await goClient()}' - '${WRONG_PIN}' 'pin:https://${host}/hello'`],
    ['python', (host) => `python3 '${join(CLIENTS_DIR, 'ladder_client.py')}' "$HTTPS_PROXY" ${host} - '${WRONG_PIN}'`],
    ['node', (host) => `'${process.execPath}' '${join(CLIENTS_DIR, 'ladder_client.js')}' "$HTTPS_PROXY" ${host} - '${WRONG_PIN}'`],
    ['java', (host) => `java '${join(CLIENTS_DIR, 'LadderClient.java')}' "$HTTPS_PROXY" ${host} - '${WRONG_PIN}'`],
  ];
  for (const [runtime, script] of apps) {
    it(`${runtime}: told by pinscope run to trust the CA, it pins: likely`, async () => {
      const host = `${runtime}-run.example.test`;
      const line = lineFor(await attributedRun(runtime, await script(host), host), host);
      assert.equal(line.trust?.trustsCa, 'yes', describeLine(line));
      assert.equal(line.pinning, 'likely', describeLine(line));
      assert.ok(line.rung === 'L1b' || line.rung === 'L1c', describeLine(line));
    });
  }

  it('go: one process that fetched a host over a kept-alive connection, then rejects a pinned host: likely in its line (L1a)', async () => {
    const lines = await attributedRun(
      'go-keepalive',
      `'${await goClient()}' - '${WRONG_PIN}' https://go-api.example.test/hello pin:https://go-pinned.example.test/hello`,
      'go-pinned.example.test',
    );
    const api = lineFor(lines, 'go-api.example.test');
    const pinned = lineFor(lines, 'go-pinned.example.test');
    assert.equal(api.process?.pid, pinned.process?.pid, 'one process');
    // The kept-alive connection closes only when the process exits: its line comes after the pinned one.
    assert.ok(lines.indexOf(pinned) < lines.indexOf(api), JSON.stringify(lines.map((l) => l.host)));
    assert.equal(pinned.pinning, 'likely', describeLine(pinned));
    assert.equal(pinned.rung, 'L1a', describeLine(pinned));
  });
});

describe('one recording, four roads, one verdict', { timeout: 600_000 }, () => {
  it('the live lines and summary, the recording as the editor opens it, and export --from agree, with a tunnelling confirmation', async () => {
    const origin = await startOrigin();
    const dir = temporaryDirectory('ladder-roads');
    const events = join(dir, 'events.jsonl');
    const cli = await startCli([
      'proxy',
      '--auto-confirm',
      '--ca-dir',
      join(dir, 'ca'),
      '--events',
      events,
      '--upstream-ca',
      origin.caFile,
      '--resolve',
      `*.example.test=127.0.0.1:${origin.port}`,
    ]);
    const ca = join(dir, 'ca', 'pinscope-ca.pem');
    const curl = (host: string, extra: readonly string[]): Promise<ClientResult> =>
      runClient('curl', ['-sS', '--max-time', '20', '--noproxy', '', '-x', cli.url, ...extra, `https://${host}/hello`], {
        env: MANAGED_ENV,
        timeoutMs: TIMEOUT_MS,
      });
    try {
      assert.equal((await curl('fine.example.test', ['--cacert', ca])).code, 0);
      // Pins: breaks twice under interception, then works tunnelled (confirmed).
      for (let i = 0; i < 2; i++)
        assert.equal((await curl('app.example.test', ['--cacert', ca, '--pinnedpubkey', `sha256//${WRONG_PIN}`])).code, 90);
      assert.equal((await curl('app.example.test', ['--cacert', origin.caFile])).code, 0);
      // Does not trust the CA (U1), and a Node client that trusts it in code and pins (possible).
      assert.notEqual((await curl('untrusting.example.test', [])).code, 0);
      const node = await runClient(
        process.execPath,
        [join(CLIENTS_DIR, 'ladder_client.js'), cli.url, 'nodepin.example.test', ca, WRONG_PIN],
        { env: MANAGED_ENV, timeoutMs: TIMEOUT_MS },
      );
      assert.match(node.stdout, /^failed/m, node.stdout + node.stderr);
    } finally {
      await cli.stop();
      await origin.close();
    }
    const text = readFileSync(events, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ConnectionLine | { type: string })
      .filter((l): l is ConnectionLine => l.type === 'connection');
    const summary = cli.stderr();
    // The recording, as the editor opens it.
    const recording = Recording.read(text);
    assert.deepEqual(recording.skipped, []);
    const hosts = recording.hosts();
    // Road 1 and 2 against 3: every line's verdict is the recording's, record by record.
    for (const line of lines) {
      const verdict = recording.verdictOf(line.id);
      assert.ok(verdict, `record ${line.id}`);
      assert.deepEqual(
        { id: line.id, pinning: verdict.pinning, rung: verdict.rung, cause: verdict.cause },
        { id: line.id, pinning: line.pinning, rung: line.rung, cause: line.cause },
      );
    }
    // The live summary says of each breaking host what the recording's hosts say.
    for (const host of hosts.filter((s) => s.breaks)) {
      assert.match(
        summary,
        new RegExp(`${host.host.replace(/\./g, '\\.')}:443 {2}BREAKS, pinning ${host.pinning}${host.confirmed ? ' \\(confirmed\\)' : ''}`),
        summary,
      );
    }
    const app = hosts.find((s) => s.host === 'app.example.test');
    // Whatever attribution answered on a loaded machine, the confirmation is carried by the recording.
    assert.equal(app?.confirmed, true, JSON.stringify(app));
    assert.notEqual(hosts.find((s) => s.host === 'untrusting.example.test')?.pinning, 'likely');
    assert.equal(hosts.find((s) => s.host === 'nodepin.example.test')?.pinning, 'possible');
    // Road 4: export --from requests exactly the hosts the recording has evidence for, with the same verdicts.
    const exported = await runCli(['export', '--from', events, '--format', 'report-json', '--app', 'Acme']);
    assert.equal(exported.code, 0, exported.stderr);
    const report = JSON.parse(exported.stdout) as {
      hosts: { host: string; pinning: string; confirmed: boolean }[];
      verifyFirst: { host: string; pinning: string }[];
    };
    const byHost = (a: { host: string }, b: { host: string }): number => a.host.localeCompare(b.host);
    const requested = report.hosts.map((h) => ({ host: h.host, pinning: h.pinning, confirmed: h.confirmed })).sort(byHost);
    assert.deepEqual(
      requested,
      hosts
        .filter(hasEvidence)
        .map((s) => ({ host: s.host, pinning: s.pinning, confirmed: s.confirmed }))
        .sort(byHost),
    );
    assert.ok(
      requested.some((h) => h.host === 'app.example.test' && h.confirmed),
      JSON.stringify(requested),
    );
    for (const v of report.verifyFirst) assert.equal(v.pinning, hosts.find((s) => s.host === v.host)?.pinning, v.host);
    assert.ok(
      report.verifyFirst.some((v) => v.host === 'nodepin.example.test'),
      JSON.stringify(report.verifyFirst),
    );
  });
});
