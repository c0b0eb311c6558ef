/**
 * Linux process attribution with real clients as separate processes: each connects to a local TLS listener
 * that looks the connection up when it is accepted. Most of them do not trust the listener's certificate
 * and exit right after failing, so the lookup must have captured them by then.
 */
import * as assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LinuxProcessAttributor } from '../../../src/core/process/linuxAttribution';
import type { Attribution, ProcessIdentity } from '../../../src/core/process/processIdentity';
import { SocketOwnerIndex } from '../../../src/core/process/socketOwners';
import { makeCertificate, startAttributionServer, type AttributionServer } from '../../support/attributionServer';
import { ROOT } from '../../support/cli';

const linux = process.platform === 'linux';

interface Exited {
  readonly pid: number;
  readonly code: number | null;
  readonly output: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ pid: child.pid ?? -1, code, output });
    });
  });
}

function local(attribution: Attribution | undefined): ProcessIdentity {
  assert.ok(attribution, 'no connection was accepted');
  assert.equal(attribution.kind, 'local', `expected a local process, got ${JSON.stringify(attribution)}`);
  return attribution.process;
}

let goBuild: Promise<string> | undefined;
/** The Go client, built once for every suite. */
function goClientBinary(): Promise<string> {
  goBuild ??= new Promise<string>((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), 'pinscope-go-'));
    const binary = join(dir, 'tlsclient');
    mkdirSync(join(dir, 'cache'));
    execFile(
      'go',
      ['build', '-o', binary, join(ROOT, 'test', 'core', 'process', 'clients', 'tlsclient.go')],
      { env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'off', GOCACHE: process.env['GOCACHE'] ?? join(dir, 'cache') } },
      (error) => (error ? reject(new Error(`go build failed: ${error.message}`)) : resolve(binary)),
    );
  });
  return goBuild;
}

/** Waits (bounded) until the netlink helper answers, so that the suite really uses it. */
async function netlinkReady(attributor: LinuxProcessAttributor): Promise<void> {
  for (let i = 0; i < 1_000 && attributor.helperPid === null; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.match(attributor.method, /netlink sock_diag \(python3 helper, pid \d+\)/);
}

// Each suite uses one source of the client socket only (no silent fallback): the kernel's netlink lookup,
// and the /proc/net/tcp tables that stand in when python3 or netlink is missing.
for (const source of ['netlink', 'tables'] as const)
  describe(`Linux process attribution (real clients, socket by ${source})`, { skip: !linux && 'Linux only' }, () => {
    let server: AttributionServer;
    // A generous deadline: the listener answers once the connection is attributed, as the proxy does, so a
    // loaded machine makes the tests slower, never wrong.
    const attributor = new LinuxProcessAttributor({ deadlineMs: 15_000, socketSource: source });
    let goClient = '';

    before(async () => {
      server = await startAttributionServer(attributor, await makeCertificate());
      goClient = await goClientBinary();
      if (source === 'netlink') await netlinkReady(attributor);
      else assert.match(attributor.method, /socket by \/proc\/net\/tcp tables/);
    });
    after(async () => {
      await server.close();
      attributor.dispose();
    });

    it('names curl, which rejects the certificate and exits at once', async () => {
      const accepted = server.next();
      const exited = await run('curl', ['-sS', '--max-time', '10', `https://localhost:${server.port}/?token=s3cret`]);
      assert.notEqual(exited.code, 0, 'curl must fail: it does not trust the certificate');
      const identity = local((await accepted)[0]);
      assert.equal(identity.pid, exited.pid);
      assert.equal(identity.name, 'curl');
      assert.match(identity.path ?? '', /\/curl$/);
      assert.match(identity.command, /^curl -sS --max-time 10 'https:\/\/localhost:\d+\/\?token=\*\*\*'$/);
      assert.equal(identity.key, `${exited.pid}@${identity.startTime}:${identity.path ?? ''}`);
      assert.ok(
        identity.parents.some((p) => p.pid === process.pid),
        'the test runner is among its parents',
      );
      assert.match(identity.label, /› curl localhost$/);
    });

    it('names /usr/bin/python3, which fails verification and exits', async () => {
      const accepted = server.next();
      const script = `import socket, ssl\ntry:\n    ssl.create_default_context().wrap_socket(socket.create_connection(("127.0.0.1", ${server.port})), server_hostname="localhost")\nexcept ssl.SSLError as e:\n    print("failed", e)\n    raise SystemExit(1)`;
      const exited = await run('/usr/bin/python3', ['-c', script]);
      assert.equal(exited.code, 1, exited.output);
      const identity = local((await accepted)[0]);
      assert.equal(identity.pid, exited.pid);
      assert.match(identity.name, /^python3/);
      assert.match(identity.path ?? '', /^\/usr\/bin\/python3/);
      assert.match(identity.command, /^\/usr\/bin\/python3 -c /);
    });

    it('names node, which rejects the certificate and exits', async () => {
      const accepted = server.next();
      const exited = await run(process.execPath, [
        '-e',
        `require('tls').connect({ host: '127.0.0.1', port: ${server.port}, servername: 'localhost' }).on('error', (e) => { console.log('failed', e.code); process.exit(1); })`,
      ]);
      assert.equal(exited.code, 1, exited.output);
      const identity = local((await accepted)[0]);
      assert.equal(identity.pid, exited.pid);
      assert.equal(identity.name, 'node');
      assert.equal(identity.path, process.execPath);
    });

    it('names java (a single-file program), which rejects the certificate', async () => {
      const accepted = server.next();
      const exited = await run('java', [join(ROOT, 'test', 'cli', 'clients', 'JavaClient.java'), `https://localhost:${server.port}/`]);
      assert.equal(exited.code, 1, exited.output);
      const identity = local((await accepted)[0]);
      assert.equal(identity.pid, exited.pid);
      assert.equal(identity.name, 'java');
      assert.match(identity.path ?? '', /\/jvm\/.+\/bin\/java$/);
      assert.match(identity.command, /JavaClient\.java/);
    });

    it('names a Go binary, which rejects the certificate and exits', async () => {
      const accepted = server.next();
      const exited = await run(goClient, [`127.0.0.1:${server.port}`]);
      assert.equal(exited.code, 1, exited.output);
      const identity = local((await accepted)[0]);
      assert.equal(identity.pid, exited.pid);
      assert.equal(identity.name, 'tlsclient');
      assert.equal(identity.path, goClient);
    });

    it('names the program a process execs into for the connections it makes after the exec (same pid, another key)', async () => {
      const accepted = server.next(2);
      // python3 fails verification, then execs node (its sockets close on exec), which connects and fails too.
      const node = `require('tls').connect({ host: '127.0.0.1', port: ${server.port}, servername: 'localhost' }).on('error', () => process.exit(1))`;
      const script = `import os, socket, ssl\ntry:\n    ssl.create_default_context().wrap_socket(socket.create_connection(("127.0.0.1", ${server.port})), server_hostname="localhost")\nexcept ssl.SSLError:\n    pass\nos.execv(${JSON.stringify(process.execPath)}, ["node", "-e", ${JSON.stringify(node)}])`;
      const exited = await run('/usr/bin/python3', ['-c', script]);
      assert.equal(exited.code, 1, exited.output);
      const [before, after] = (await accepted).map(local);
      assert.ok(before && after);
      assert.equal(before.pid, exited.pid);
      assert.equal(after.pid, exited.pid);
      assert.equal(after.startTime, before.startTime);
      assert.match(before.path ?? '', /^\/usr\/bin\/python3/);
      assert.equal(after.path, process.execPath);
      assert.equal(after.name, 'node');
      assert.notEqual(after.key, before.key);
    });

    it('gives every connection of one long-running app process the same process key', async () => {
      const accepted = server.next(5);
      const exited = await run(goClient, [`127.0.0.1:${server.port}`, '5']);
      const identities = (await accepted).map(local);
      assert.equal(identities.length, 5);
      for (const identity of identities) {
        assert.equal(identity.pid, exited.pid);
        assert.equal(identity.key, identities[0]?.key);
      }
    });

    it('attributes a long-lived process that existed before the listener and keeps its connections open', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pinscope-app-'));
      const app = join(dir, 'app.js');
      writeFileSync(
        app,
        `const tls = require('tls'); const open = [];
process.stdin.on('data', () => { for (let i = 0; i < 4; i++) open.push(tls.connect({ host: '127.0.0.1', port: Number(process.argv[2]), servername: 'localhost', rejectUnauthorized: false }).on('error', () => {})); });
process.stdin.on('end', () => process.exit(0)); console.log('ready');`,
      );
      const child = spawn(process.execPath, [app, String(server.port), '--api-key', 'hunter2'], { stdio: ['pipe', 'pipe', 'ignore'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      const accepted = server.next(4);
      child.stdin.write('go\n');
      const identities = (await accepted).map(local);
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
      assert.deepEqual(new Set(identities.map((i) => i.pid)), new Set([child.pid]));
      assert.match(identities[0]?.command ?? '', /app\.js \d+ --api-key \*\*\*$/);
      assert.doesNotMatch(JSON.stringify(identities), /hunter2/);
    });

    it('names the right one of two long-running processes whose sockets reuse the same fd numbers', async () => {
      // Each connection is closed before the next: its fd is reused (the lowest free one), which is where
      // the index looks first for a recent owner; both processes have the same fds, so a hit must be checked.
      const dir = mkdtempSync(join(tmpdir(), 'pinscope-reuse-'));
      const app = join(dir, 'app.js');
      writeFileSync(
        app,
        `const net = require('net'); let socket;
const open = () => { socket = net.connect(Number(process.argv[2]), '127.0.0.1').on('error', () => {}); };
process.stdin.on('data', () => { if (socket) { socket.once('close', open); socket.destroy(); } else open(); });
process.stdin.on('end', () => process.exit(0)); console.log('ready');`,
      );
      const start = async (): Promise<ChildProcessWithoutNullStreams> => {
        const child = spawn(process.execPath, [app, String(server.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
        return child;
      };
      const apps = [await start(), await start()];
      try {
        for (let round = 0; round < 4; round++) {
          for (const child of apps) {
            const accepted = server.next(1);
            child.stdin.write('go\n');
            const [identity] = (await accepted).map(local);
            assert.equal(identity?.pid, child.pid, `round ${round}`);
          }
        }
      } finally {
        for (const child of apps) child.stdin.end();
        await Promise.all(apps.map((child) => new Promise((resolve) => child.once('exit', resolve))));
      }
    });

    it('degrades to "unknown process" for a connection that does not exist, and never throws', async () => {
      const attribution = await attributor.attribute({
        remoteAddress: '127.0.0.1',
        remotePort: 1,
        localAddress: '127.0.0.1',
        localPort: 2,
      });
      assert.deepEqual(
        { kind: attribution.kind, label: attribution.kind === 'local' ? attribution.process.label : attribution.label },
        { kind: 'unknown', label: 'unknown process' },
      );
    });

    it('degrades to "unknown process" when procfs is not there', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'pinscope-noproc-'));
      const blind = new LinuxProcessAttributor({ root: empty, tables: [join(empty, 'tcp')], deadlineMs: 500, socketSource: source });
      const attribution = await blind.attribute({
        remoteAddress: '127.0.0.1',
        remotePort: 40000,
        localAddress: '127.0.0.1',
        localPort: server.port,
      });
      assert.equal(attribution.kind, 'unknown');
      blind.dispose();
    });

    it('skips processes whose descriptors it may not read, without failing', async () => {
      // Unreadable fds (another user's process, or pid 1 in a container) just yield no owner.
      const index = new SocketOwnerIndex();
      assert.equal(await index.ownerOf(Promise.resolve(0x7ffffff0)), null);
    });

    it('attributes a client on another device by its address', async () => {
      const attribution = await attributor.attribute({
        remoteAddress: '192.0.2.44',
        remotePort: 5555,
        localAddress: '192.0.2.1',
        localPort: 8080,
      });
      assert.deepEqual(attribution, { kind: 'remote', address: '192.0.2.44', label: 'remote client 192.0.2.44' });
    });
  });
