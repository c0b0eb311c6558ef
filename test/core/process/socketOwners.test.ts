/**
 * The socket owner index's sweep of young processes, with real processes: which of them count as a
 * client that may exit within milliseconds (the forged flight is held for those).
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { SocketOwnerIndex } from '../../../src/core/process/socketOwners';

const linux = process.platform === 'linux';

/** A node process with piped stdio (unix socketpairs), started and past its exec once it printed "ready". */
async function nodeChild(script: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, ['-e', `${script}; process.stdout.write('ready\\n'); setInterval(() => {}, 1000)`], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before it was ready`)));
  });
  return child;
}

describe('young processes holding new sockets', { skip: !linux && 'Linux only' }, () => {
  it('counts a young process with a new TCP connection, not one holding only unix sockets (its stdio)', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const holders = new Set<number>();
    const index = new SocketOwnerIndex((_fresh, holding) => {
      for (const pid of holding) holders.add(pid);
    });
    const quiet = await nodeChild('0');
    const client = await nodeChild(`require('node:net').connect(${port}, '127.0.0.1')`);
    const [connection] = await accepted;
    try {
      // Sweeps, one per turn of the event loop, until one has seen the client (the first lists both as new).
      for (let turn = 0; !holders.has(client.pid ?? -1); turn++) {
        assert.ok(turn < 1_000, 'the connected client was never seen holding a new socket');
        await index.ownerOf(Promise.resolve(null));
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(holders.has(quiet.pid ?? -1), false, 'a process holding only its stdio socketpairs is not a possible client');
    } finally {
      connection.destroy();
      quiet.kill();
      client.kill();
      index.clear();
      server.close();
    }
  });
});

describe('a burst of new connections from one known process', { skip: !linux && 'Linux only' }, () => {
  it('is answered by one or two scans of its descriptors, however the lookups are spread', async () => {
    const server = createServer((socket) => socket.on('error', () => undefined));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    // Known before the index exists (so never young): its sockets are found by scans of its descriptors.
    const client = await nodeChild(
      `const net = require('node:net'); const held = [net.connect(${port}, '127.0.0.1')];
       process.stdin.on('data', () => { for (let i = 0; i < 200; i++) held.push(net.connect(${port}, '127.0.0.1')); setImmediate(() => process.stdout.write('opened\\n')); })`,
    );
    const pid = client.pid ?? -1;
    const index = new SocketOwnerIndex();
    const sockets = (): number[] =>
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkOrEmpty(`/proc/${pid}/fd/${fd}`))?.[1])
        .filter((inode): inode is string => inode !== undefined)
        .map(Number);
    try {
      const first = sockets();
      // Its first connection makes it a recent owner, as a long-running client is.
      assert.equal(await index.ownerOf(Promise.resolve(Math.max(...first))), pid);
      const opened = new Promise<void>((resolve) => client.stdout.on('data', (chunk: string) => chunk.includes('opened') && resolve()));
      client.stdin.write('open\n');
      await opened;
      const burst = sockets().filter((inode) => !first.includes(inode));
      assert.ok(burst.length >= 200, `${burst.length} new sockets`);
      const before = index.scansStarted;
      // One lookup per turn of the event loop, as accepts come in a burst: most arrive while a scan runs.
      const owners: Promise<number | null>[] = [];
      for (const inode of burst) {
        owners.push(index.ownerOf(Promise.resolve(inode)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.deepEqual(new Set(await Promise.all(owners)), new Set([pid]));
      assert.ok(index.scansStarted - before <= 2, `${index.scansStarted - before} scans for ${burst.length} lookups`);
    } finally {
      client.kill();
      index.clear();
      server.close();
    }
  });
});

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
