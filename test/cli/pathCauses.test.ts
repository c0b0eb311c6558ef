/**
 * Causes an inspection profile reveals, with real clients: a gRPC client (@grpc/grpc-js) works through
 * `pinscope proxy` under the generic profile and breaks under a profile without HTTP/2, named as such
 * (never a pin); a curl that insists on TLS 1.3 breaks under a path capped at TLS 1.2, named as such.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { curl, runClient, waitFor } from '../support/clients';
import { ROOT, runCli, startCli, type RunningCli } from '../support/cli';
import { makeOriginCertificates } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { cleanEnv } from '../compat/clientCatalogue';
import { writeFileSync } from 'node:fs';
import { connectionLines } from '../support/eventsFile';

const GRPC_CLIENT = join(ROOT, 'test', 'cli', 'clients', 'grpc_client.js');

describe('causes that inspection profiles reveal, with real clients', () => {
  let dir: string;
  let server: Server;
  let grpcPort: number;
  let originCa: string;
  const started: RunningCli[] = [];

  before(async () => {
    dir = temporaryDirectory('path-causes');
    const { caPem, leafPem, keyPem } = makeOriginCertificates();
    originCa = join(dir, 'origin-ca.pem');
    writeFileSync(originCa, caPem);
    const bytes = (b: Buffer): Buffer => b;
    server = new Server();
    server.addService(
      {
        Say: {
          path: '/pinscope.Echo/Say',
          requestStream: false,
          responseStream: false,
          requestSerialize: bytes,
          requestDeserialize: bytes,
          responseSerialize: bytes,
          responseDeserialize: bytes,
          originalName: 'Say',
        },
      },
      {
        Say: (call: { request: Buffer }, callback: (error: null, reply: Buffer) => void) =>
          callback(null, Buffer.concat([Buffer.from('echo: '), call.request])),
      },
    );
    grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        '127.0.0.1:0',
        ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(leafPem), private_key: Buffer.from(keyPem) }], false),
        (error, port) => (error ? reject(error) : resolve(port)),
      ),
    );
  });

  after(async () => {
    for (const cli of started) await cli.stop();
    server.forceShutdown();
  });

  const start = async (profile: string): Promise<{ cli: RunningCli; events: string; ca: string }> => {
    const events = join(dir, `${profile}.jsonl`);
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
      originCa,
      '--resolve',
      `*.example.test=127.0.0.1:${grpcPort}`,
      '--profile',
      profile,
    ]);
    started.push(cli);
    return { cli, events, ca: join(dir, 'ca', 'pinscope-ca.pem') };
  };
  const grpcCall = (cli: RunningCli, ca: string): ReturnType<typeof runClient> =>
    runClient('node', [GRPC_CLIENT, 'grpc.example.test:443', ca], {
      env: cleanEnv({ https_proxy: cli.url, NODE_PATH: join(ROOT, 'node_modules') }),
    });

  it('a gRPC client works under the generic profile (HTTP/2 offered)', async () => {
    const { cli, events, ca } = await start('generic');
    const result = await grpcCall(cli, ca);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stdout.trim(), 'echo: hello');
    const [line] = await waitFor(
      () => {
        const l = connectionLines(events);
        return l.length > 0 ? l : undefined;
      },
      30_000,
      'a record',
    );
    assert.equal(line?.category, 'ok');
  });

  it('the same gRPC client breaks under zscaler-http1 and is named: needs HTTP/2, the path offers HTTP/1.1 only; never a pin', async () => {
    const { cli, events, ca } = await start('zscaler-http1');
    const result = await grpcCall(cli, ca);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^failed: /);
    const lines = await waitFor(
      () => {
        const l = connectionLines(events);
        return l.length > 0 ? l : undefined;
      },
      30_000,
      'a record',
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; the proxy said: ${cli.stderr()}; the client: ${result.stdout}${result.stderr}`);
    });
    for (const line of lines) {
      assert.equal(line.category, 'tls-mismatch', line.reason);
      assert.equal(line.pinning, 'unlikely');
      assert.match(line.reason, /asks for HTTP\/2 only .* offers HTTP\/1\.1 only/);
    }
    assert.ok(
      lines[0]?.evidence.some((e) => /Not pinning/.test(e)),
      lines[0]?.evidence.join('\n'),
    );
    // Not a case for an exemption request by itself: the export says it breaks for another reason.
    const request = await runCli(['export', '--from', events, '--format', 'zscaler-urls', '--host', 'grpc.example.test']);
    assert.notEqual(request.code, 0);
    assert.match(request.stderr, /grpc\.example\.test: it breaks for a reason other than pinning/);
  });

  it('a client that insists on TLS 1.3 breaks under a path capped at TLS 1.2, named as such', async () => {
    const { cli, events, ca } = await start('paloalto-tls12');
    const result = await curl(cli.url, 'https://tls13.example.test/', ['--cacert', ca, '--tlsv1.3']);
    assert.notEqual(result.code, 0);
    const [line] = await waitFor(
      () => {
        const l = connectionLines(events);
        return l.length > 0 ? l : undefined;
      },
      30_000,
      'a record',
    );
    assert.equal(line?.category, 'tls-mismatch');
    assert.equal(line.pinning, 'unlikely');
    assert.match(line.reason, /offers only TLSv1\.3.*offers TLSv1\.2/);
  });
});
