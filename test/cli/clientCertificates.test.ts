/**
 * Mutual TLS end to end: a real server that demands a client certificate (`openssl s_server -Verify 1`),
 * reached through `pinscope proxy` by a curl that holds one. Without `--client-cert` every run is
 * `client-cert-required` (never ok, never a pin) and the host is in the exemption request with the
 * vendor's words; with it, the same curl gets its page.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { curl, portAccepts, runClient, waitFor } from '../support/clients';
import { runCli, startCli, type RunningCli } from '../support/cli';
import { listenOnLoopback } from '../support/loopback';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { connectionLines } from '../support/eventsFile';

const RUNS = 10;

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  const result = await runClient(
    'openssl',
    args.map((a) => a.replace('DIR', dir)),
  );
  assert.equal(result.code, 0, `openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A CA, a server certificate for mtls.example.test and a client certificate (clientAuth), made by openssl. */
async function makeMutualTlsFiles(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'DIR/ca.key',
    '-out',
    'DIR/ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Pinscope test mTLS CA',
  ]);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:mtls.example.test,DNS:mtls12.example.test\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    await openssl(dir, ['req', ...ec, '-keyout', `DIR/${who}.key`, '-out', `DIR/${who}.csr`, '-subj', `/CN=${who}`]);
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      `DIR/${who}.csr`,
      '-CA',
      'DIR/ca.pem',
      '-CAkey',
      'DIR/ca.key',
      '-CAcreateserial',
      '-out',
      `DIR/${who}.pem`,
      '-days',
      '2',
      '-extfile',
      `DIR/${who}.ext`,
    ]);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a server that demands a client certificate, through pinscope proxy', () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  const started: RunningCli[] = [];

  before(async () => {
    dir = temporaryDirectory('mtls');
    await makeMutualTlsFiles(dir);
    port = await freePort();
    server = spawn(
      'openssl',
      [
        's_server',
        '-accept',
        `127.0.0.1:${port}`,
        '-cert',
        join(dir, 'server.pem'),
        '-key',
        join(dir, 'server.key'),
        '-CAfile',
        join(dir, 'ca.pem'),
        '-Verify',
        '1',
        '-www',
        '-quiet',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    while (!(await portAccepts(port))) {
      if (Date.now() > deadline) throw new Error('openssl s_server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  after(async () => {
    for (const cli of started) await cli.stop();
    server.kill();
  });

  const startProxy = async (name: string, extra: readonly string[]): Promise<{ cli: RunningCli; events: string; ca: string }> => {
    const events = join(dir, `${name}.jsonl`);
    const cli = await startCli([
      'proxy',
      '--port',
      '0',
      '--ca-dir',
      join(dir, `ca-${name}`),
      '--events',
      events,
      '--no-attribution',
      '--upstream-ca',
      join(dir, 'ca.pem'),
      '--resolve',
      `mtls.example.test=127.0.0.1:${port}`,
      ...extra,
    ]);
    started.push(cli);
    return { cli, events, ca: join(dir, `ca-${name}`, 'pinscope-ca.pem') };
  };
  const curlWithCertificate = (proxy: string, ca: string, extra: readonly string[] = []): ReturnType<typeof curl> =>
    curl(proxy, 'https://mtls.example.test/', [
      '--cacert',
      ca,
      '--cert',
      join(dir, 'client.pem'),
      '--key',
      join(dir, 'client.key'),
      ...extra,
    ]);

  it(`is recorded as client-cert-required in ${RUNS} of ${RUNS} runs, never ok, never a pin, and is requested for exemption`, async () => {
    const { cli, events, ca } = await startProxy('plain', []);
    for (let run = 0; run < RUNS; run++) {
      // TLS 1.3 and 1.2 on the client's side; the server's side is what the proxy negotiates.
      const result = await curlWithCertificate(cli.url, ca, run % 2 === 0 ? [] : ['--tls-max', '1.2']);
      assert.notEqual(result.code, 0, 'the server refused the inspected session');
    }
    const lines = await waitFor(
      () => {
        const l = connectionLines(events);
        return l.length >= RUNS ? l : undefined;
      },
      30_000,
      `${RUNS} records`,
    );
    assert.deepEqual(
      lines.map((l) => l.category),
      Array<string>(RUNS).fill('client-cert-required'),
      lines.map((l) => `${l.category}: ${l.reason}`).join('\n'),
    );
    assert.ok(lines.every((l) => l.pinning === 'unlikely'));
    assert.match(lines[0]?.reason ?? '', /requires a client certificate/);
    const request = await runCli(['export', '--from', events, '--format', 'zscaler-terraform', '--app', 'Acme']);
    assert.equal(request.code, 0, request.stderr);
    assert.match(request.stdout, /"mtls\.example\.test"/);
    assert.match(request.stdout, /client certificate \(mutual TLS\)/);
    assert.match(request.stdout, /bypass TLS sessions using Client Certificate Authentication/);
  });

  it('is recorded as client-cert-required when the server speaks TLS 1.2 only (a Node server that requires and checks the certificate)', async () => {
    const tls12 = createTlsServer(
      {
        cert: readFileSync(join(dir, 'server.pem')),
        key: readFileSync(join(dir, 'server.key')),
        ca: readFileSync(join(dir, 'ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        maxVersion: 'TLSv1.2',
      },
      (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'),
    );
    tls12.on('tlsClientError', () => undefined);
    const tls12Port = await listenOnLoopback(tls12);
    try {
      const { cli, events, ca } = await startProxy('tls12', ['--resolve', `mtls12.example.test=127.0.0.1:${tls12Port}`]);
      for (let run = 0; run < 3; run++) {
        const result = await curl(cli.url, 'https://mtls12.example.test/', [
          '--cacert',
          ca,
          '--cert',
          join(dir, 'client.pem'),
          '--key',
          join(dir, 'client.key'),
        ]);
        assert.notEqual(result.code, 0);
      }
      const lines = await waitFor(
        () => {
          const l = connectionLines(events);
          return l.length >= 3 ? l : undefined;
        },
        30_000,
        '3 records',
      );
      assert.deepEqual(
        lines.map((l) => l.category),
        ['client-cert-required', 'client-cert-required', 'client-cert-required'],
        lines.map((l) => l.reason).join('\n'),
      );
      assert.match(lines[0]?.reason ?? '', /handshake_failure \(40\) alert after its certificate/);
    } finally {
      tls12.close();
    }
  });

  it('with --client-cert, the same curl gets its page through the proxy', async () => {
    const { cli, events, ca } = await startProxy('presented', [
      '--client-cert',
      `mtls.example.test=${join(dir, 'client.pem')},${join(dir, 'client.key')}`,
    ]);
    const result = await curlWithCertificate(cli.url, ca);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /s_server|Ciphers supported/);
    const [line] = await waitFor(
      () => {
        const l = connectionLines(events);
        return l.length > 0 ? l : undefined;
      },
      30_000,
      'a record',
    );
    assert.equal(line?.category, 'ok');
    // The key is never logged.
    assert.doesNotMatch(cli.stderr(), /PRIVATE KEY/);
  });

  it('refuses a --client-cert whose key does not belong to the certificate, naming the files', async () => {
    const result = await runCli([
      'proxy',
      '--port',
      '0',
      '--ca-dir',
      join(dir, 'ca-bad'),
      '--client-cert',
      `mtls.example.test=${join(dir, 'client.pem')},${join(dir, 'server.key')}`,
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /does not belong to it/);
    assert.doesNotMatch(result.stderr, /PRIVATE KEY/);
  });
});
