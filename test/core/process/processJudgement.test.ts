/**
 * Process attribution wired into the proxy, with real clients run as separate processes: every record
 * names its process (including clients that exit right after failing), one process that accepted forged
 * certificates elsewhere and then rejects a pinned host is judged likely, and a different process with
 * the same TLS library that simply does not trust the CA is never judged likely.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runClient, type ClientResult } from '../../support/clients';
import { ROOT } from '../../support/cli';
import { startHarness, type Harness } from '../../support/harness';
import { temporaryDirectory } from '../../support/temporaryDirectories';
import type { JudgedNotice } from '../../../src/core/session';

/** A clean environment: nothing of the runner's (no proxy or CA variables) reaches the clients. */
const BASE_ENV: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', LANG: 'C.UTF-8' };
const CLIENT_TIMEOUT_MS = 90_000;

/** A Node app that fetches each URL in turn through the proxy (CONNECT + tls.connect), in one process. */
const NODE_APP = `
const http = require('http'), tls = require('tls'), fs = require('fs');
const [proxyPort, caFile, ...urls] = process.argv.slice(1);
const ca = caFile === '-' ? undefined : fs.readFileSync(caFile);
function fetch(arg) {
  const pinned = arg.startsWith('pin:');
  const host = new URL(pinned ? arg.slice(4) : arg).hostname;
  return new Promise((resolve) => {
    const request = http.request({ host: '127.0.0.1', port: Number(proxyPort), method: 'CONNECT', path: host + ':443' });
    request.on('connect', (response, socket) => {
      const options = { socket, servername: host, ...(ca ? { ca } : {}) };
      if (pinned) options.checkServerIdentity = () => new Error('public key pin mismatch');
      const secure = tls.connect(options, () => secure.end('GET /hello HTTP/1.1\\r\\nHost: ' + host + '\\r\\nConnection: close\\r\\n\\r\\n'));
      let body = '';
      secure.on('data', (chunk) => { body += chunk; });
      secure.on('end', () => resolve('ok ' + body.split('\\r\\n')[0]));
      secure.on('error', (error) => { secure.destroy(); resolve('failed ' + error.message); });
    });
    request.on('error', (error) => resolve('failed ' + error.message));
    request.end();
  });
}
(async () => { for (const url of urls) console.log(await fetch(url)); setTimeout(() => undefined, 200); })();
`;

const PYTHON_CLIENT = `
import http.client, ssl, sys
port, cafile, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=None if cafile == '-' else cafile)
connection = http.client.HTTPSConnection('127.0.0.1', port, context=context, timeout=20)
connection.set_tunnel(host, 443)
try:
    connection.request('GET', '/hello')
    print('ok', connection.getresponse().status)
except Exception as error:
    print('failed', error)
`;

let goBuild: Promise<string> | undefined;
function goFetch(): Promise<string> {
  goBuild ??= new Promise<string>((resolve, reject) => {
    const dir = temporaryDirectory('go-proxyfetch');
    const binary = join(dir, 'proxyfetch');
    execFile(
      'go',
      ['build', '-o', binary, join(ROOT, 'test', 'core', 'process', 'clients', 'proxyfetch.go')],
      { env: { ...process.env, GO111MODULE: 'off' }, timeout: 240_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`go build failed: ${stderr || error.message}`)) : resolve(binary)),
    );
  });
  return goBuild;
}

let javaStore: Promise<string> | undefined;
/** A PKCS12 trust store with the harness's CA, for the Java process that trusts it. */
function javaTrustStore(caFile: string): Promise<string> {
  javaStore ??= new Promise<string>((resolve, reject) => {
    const dir = temporaryDirectory('java-trust');
    mkdirSync(dir, { recursive: true });
    const store = join(dir, 'trust.p12');
    execFile(
      'keytool',
      [
        '-importcert',
        '-noprompt',
        '-alias',
        'pinscope',
        '-file',
        caFile,
        '-keystore',
        store,
        '-storetype',
        'PKCS12',
        '-storepass',
        'changeit',
      ],
      { timeout: 120_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`keytool failed: ${stderr || error.message}`)) : resolve(store)),
    );
  });
  return javaStore;
}

interface Client {
  readonly runtime: string;
  /** The process name every record of it must carry. */
  readonly name: RegExp;
  /** Fetches `url` in a new process; `trusting` says whether that process is told to trust the CA. */
  fetch(h: Harness, url: string, trusting: boolean): Promise<ClientResult>;
}

const CLIENTS: readonly Client[] = [
  {
    runtime: 'curl',
    name: /^curl$/,
    fetch: (h, url, trusting) =>
      runClient('curl', ['-sS', '--max-time', '20', '--noproxy', '', '-x', h.proxyUrl, ...(trusting ? ['--cacert', h.caFile] : []), url], {
        env: BASE_ENV,
        timeoutMs: CLIENT_TIMEOUT_MS,
      }),
  },
  {
    runtime: 'python',
    name: /^python3/,
    fetch: (h, url, trusting) =>
      runClient('python3', ['-c', PYTHON_CLIENT, String(h.proxyPort), trusting ? h.caFile : '-', new URL(url).hostname], {
        env: BASE_ENV,
        timeoutMs: CLIENT_TIMEOUT_MS,
      }),
  },
  {
    runtime: 'node',
    name: /^node$/,
    fetch: (h, url, trusting) =>
      runClient(process.execPath, ['-e', NODE_APP, String(h.proxyPort), trusting ? h.caFile : '-', url], {
        env: BASE_ENV,
        timeoutMs: CLIENT_TIMEOUT_MS,
      }),
  },
  {
    runtime: 'java',
    name: /^java$/,
    fetch: async (h, url, trusting) =>
      runClient(
        'java',
        [
          `-Dhttps.proxyHost=127.0.0.1`,
          `-Dhttps.proxyPort=${h.proxyPort}`,
          '-Dhttp.nonProxyHosts=',
          ...(trusting
            ? [
                `-Djavax.net.ssl.trustStore=${await javaTrustStore(h.caFile)}`,
                '-Djavax.net.ssl.trustStorePassword=changeit',
                '-Djavax.net.ssl.trustStoreType=PKCS12',
              ]
            : []),
          join(ROOT, 'test', 'core', 'process', 'clients', 'ProxyFetch.java'),
          url,
        ],
        { env: BASE_ENV, timeoutMs: CLIENT_TIMEOUT_MS },
      ),
  },
  {
    runtime: 'go',
    name: /^proxyfetch$/,
    fetch: async (h, url, trusting) =>
      runClient(await goFetch(), [url], {
        env: { ...BASE_ENV, HTTPS_PROXY: h.proxyUrl, ...(trusting ? { SSL_CERT_FILE: h.caFile } : {}) },
        timeoutMs: CLIENT_TIMEOUT_MS,
      }),
  },
];

/** curl prints the body and says how it went by its exit code; the other clients print "ok …" or "failed …". */
function succeeded(result: ClientResult): boolean {
  return result.code === 0 && !/^failed/m.test(result.stdout);
}

function describeNotice(notice: JudgedNotice): string {
  return JSON.stringify({
    process: notice.line.process,
    trust: notice.line.trust,
    category: notice.verdict.category,
    pinning: notice.verdict.pinning,
    cause: notice.line.cause,
    evidence: notice.verdict.evidence,
  });
}

describe('process attribution in the proxy, with real clients', { timeout: 600_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ handshakeTimeoutMs: 20_000 });
  });
  after(async () => {
    await h.close();
  });

  for (const client of CLIENTS) {
    it(`${client.runtime}: a process that does not trust the CA is named and never judged likely, though another ${client.runtime} process accepted a forged certificate`, async () => {
      const trusted = `${client.runtime}-trusted.example.test`;
      const untrusted = `${client.runtime}-untrusted.example.test`;
      const accepted = await client.fetch(h, `https://${trusted}/hello`, true);
      assert.ok(succeeded(accepted), `${accepted.stdout}${accepted.stderr}`);
      const rejected = await client.fetch(h, `https://${untrusted}/hello`, false);
      assert.ok(!succeeded(rejected), `${rejected.stdout}${rejected.stderr}`);
      const good = await h.connection(trusted);
      const bad = await h.connection(untrusted);
      for (const notice of [good, bad]) {
        assert.equal(notice.line.process?.kind, 'local', describeNotice(notice));
        assert.match(notice.line.process.name ?? '', client.name, describeNotice(notice));
        assert.equal(typeof notice.line.process.pid, 'number');
      }
      assert.notEqual(good.line.process?.pid, bad.line.process?.pid);
      assert.equal(good.verdict.category, 'ok', describeNotice(good));
      assert.notEqual(bad.verdict.category, 'ok', describeNotice(bad));
      assert.notEqual(bad.verdict.pinning, 'likely', describeNotice(bad));
      // Re-judged with everything known (the per-host summary and exports): still not likely.
      const summary = h.session.hosts().find((s) => s.host === untrusted);
      assert.ok(summary);
      assert.notEqual(summary.pinning, 'likely', JSON.stringify(summary));
      assert.ok(
        summary.apps?.some((app) => client.name.test(app.split(' ')[0] ?? '')),
        JSON.stringify(summary.apps),
      );
    });
  }

  it('curl: the record of a client that does not trust the CA says so, with the fix (CA not installed in the OS store)', async () => {
    const notice = await h.connection('curl-untrusted.example.test');
    assert.equal(notice.line.trust?.trustsCa, 'no', describeNotice(notice));
    assert.equal(notice.line.cause, 'ca-not-installed', describeNotice(notice));
    assert.match(notice.line.fix ?? '', /Trust the Pinscope CA/);
    assert.equal(notice.line.trust.startedByPinscope, false);
  });

  it('node: a process without NODE_EXTRA_CA_CERTS is only possible: a missing variable is a hint, never proof that it lacks the CA', async () => {
    const notice = await h.connection('node-untrusted.example.test');
    assert.equal(notice.verdict.pinning, 'possible', describeNotice(notice));
    assert.ok(notice.line.rung === 'P1' || notice.line.rung === 'P2', describeNotice(notice));
    assert.ok(notice.line.trust?.variables.some((v) => v.name === 'NODE_EXTRA_CA_CERTS' && !v.set));
    assert.ok(
      notice.verdict.evidence.some((e) => /NODE_EXTRA_CA_CERTS is not set/.test(e)),
      describeNotice(notice),
    );
  });

  it('one long-running node process that fetched an unpinned host and then rejects a pinned one is judged likely on the pinned host', async () => {
    const result = await runClient(
      process.execPath,
      [
        '-e',
        NODE_APP,
        String(h.proxyPort),
        h.caFile,
        'https://node-app-api.example.test/hello',
        'pin:https://node-app-pinned.example.test/hello',
      ],
      { env: BASE_ENV, timeoutMs: CLIENT_TIMEOUT_MS },
    );
    assert.match(result.stdout, /^ok HTTP\/1\.1 200/m, result.stdout + result.stderr);
    assert.match(result.stdout, /^failed .*pin mismatch/m, result.stdout + result.stderr);
    const api = await h.connection('node-app-api.example.test');
    const pinned = await h.connection('node-app-pinned.example.test');
    assert.equal(api.line.process?.pid, pinned.line.process?.pid, 'one process');
    assert.equal(pinned.verdict.pinning, 'likely', describeNotice(pinned));
    assert.equal(pinned.line.cause, 'pinning');
    assert.ok(
      pinned.verdict.evidence.some((e) =>
        /The same process [\s\S]* accepted forged certificates [\s\S]* node-app-api\.example\.test/.test(e),
      ),
      describeNotice(pinned),
    );
  });

  it('one Go process that fetched an unpinned host and then rejects a pinned one is judged likely on the pinned host', async () => {
    const result = await runClient(
      await goFetch(),
      ['https://go-app-api.example.test/hello', 'pin:https://go-app-pinned.example.test/hello'],
      { env: { ...BASE_ENV, HTTPS_PROXY: h.proxyUrl, SSL_CERT_FILE: h.caFile }, timeoutMs: CLIENT_TIMEOUT_MS },
    );
    assert.match(result.stdout, /^ok 200/m, result.stdout + result.stderr);
    assert.match(result.stdout, /^failed .*pin mismatch/m, result.stdout + result.stderr);
    const api = await h.connection('go-app-api.example.test');
    const pinned = await h.connection('go-app-pinned.example.test');
    assert.equal(api.line.process?.pid, pinned.line.process?.pid, 'one process');
    assert.equal(pinned.line.process?.name, 'proxyfetch');
    // Go keeps the first connection open (keep-alive) until the process exits: its acceptance counts the
    // moment it sent data, so the live verdict has it already (docs/judgement.md, L1a).
    assert.equal(pinned.verdict.pinning, 'likely', describeNotice(pinned));
    assert.equal(pinned.line.rung, 'L1a', describeNotice(pinned));
    const summary = h.session.hosts().find((s) => s.host === 'go-app-pinned.example.test');
    assert.equal(summary?.pinning, 'likely', JSON.stringify(summary));
    assert.equal(summary.cause, 'pinning');
    assert.deepEqual(summary.apps, ['proxyfetch']);
  });
});
