/**
 * The kernel's exact socket lookup through the python3 helper, against real sockets of this process:
 * it must find the same socket (inode, uid) as the /proc/net/tcp tables for IPv4, IPv6 and dual-stack
 * clients, say "absent" for closed ones, and fall back (never fail) when python3 is missing, the helper
 * dies or cannot start.
 */
import * as assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientSocketLookup, type ClientSocket } from '../../../src/core/process/clientSockets';

import { NetlinkSocketLookup, parseAnswer, requestLine, type NetlinkAnswer } from '../../../src/core/process/netlinkSockets';
import { TcpTables } from '../../../src/core/process/procNetTcp';
import type { AcceptedEndpoints } from '../../../src/core/process/processIdentity';

const inodeOf = (socket: ClientSocket): number | undefined => (socket.kind === 'found' ? socket.entry.inode : undefined);

const linux = process.platform === 'linux';

const v4: AcceptedEndpoints = { remoteAddress: '127.0.0.1', remotePort: 50312, localAddress: '127.0.0.1', localPort: 8080 };

describe('netlink request and answer lines', () => {
  it('asks for the client side: its own end is the client, its peer the proxy', () => {
    assert.equal(requestLine(7, v4), '7 4 127.0.0.1 50312 127.0.0.1 8080');
    assert.equal(
      requestLine(8, { remoteAddress: '::1', remotePort: 40000, localAddress: '::1', localPort: 8080 }),
      '8 6 ::1 40000 ::1 8080',
    );
  });

  it('asks about a v4-mapped client of a dual-stack listener in IPv4, and leaves zone ids to /proc', () => {
    assert.equal(
      requestLine(9, { remoteAddress: '::ffff:127.0.0.1', remotePort: 40001, localAddress: '::ffff:127.0.0.1', localPort: 8080 }),
      '9 4 127.0.0.1 40001 127.0.0.1 8080',
    );
    assert.equal(
      requestLine(10, { remoteAddress: '::ffff:127.0.0.1', remotePort: 40001, localAddress: '::1', localPort: 8080 }),
      '10 6 ::ffff:127.0.0.1 40001 ::1 8080',
    );
    assert.equal(
      requestLine(11, { remoteAddress: 'fe80::1%eth0', remotePort: 40002, localAddress: 'fe80::2%eth0', localPort: 8080 }),
      null,
    );
    assert.equal(requestLine(12, { remoteAddress: 'not an address', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 }), null);
  });

  it('reads found, absent and failed answers, checking the ports against the request', () => {
    const of = (id: number): AcceptedEndpoints | undefined => (id === 7 ? v4 : undefined);
    const answer = (line: string): NetlinkAnswer | undefined => parseAnswer(line, of)?.answer;
    assert.deepEqual(answer('7 found 123456 1000 1 50312 8080'), {
      kind: 'found',
      entry: { local: '127.0.0.1:50312', remote: '127.0.0.1:8080', state: 1, uid: 1000, inode: 123456 },
    });
    assert.deepEqual(answer('7 found 0 1000 4 50312 8080'), { kind: 'absent' }, 'closed by its process: no inode');
    assert.deepEqual(answer('7 found 99 1000 10 50312 0'), { kind: 'absent' }, 'a listener on the client port is not the client');
    assert.deepEqual(answer('7 found 99 1000 1 50313 8080'), { kind: 'absent' }, 'another socket');
    assert.deepEqual(answer('7 none 2'), { kind: 'absent' });
    assert.deepEqual(answer('7 none 95'), { kind: 'failed', reason: 'netlink error 95' });
    assert.equal(answer('7 lost')?.kind, 'failed');
    assert.equal(answer('7 bad')?.kind, 'failed');
    assert.equal(answer('8 found 1 1 1 1 1'), undefined, 'an id nobody waits for');
    assert.equal(answer('7 found 1 2'), undefined);
    assert.equal(answer('ready'), undefined);
  });
});

interface Pair {
  readonly client: Socket;
  readonly endpoints: AcceptedEndpoints;
}

describe('netlink socket lookup (real sockets)', { skip: !linux && 'Linux only' }, () => {
  const servers: Server[] = [];
  const held: Socket[] = [];
  const netlink = new NetlinkSocketLookup();
  const tables = new TcpTables();

  async function listen(host: string): Promise<{ server: Server; port: number; accepted: Socket[] }> {
    const accepted: Socket[] = [];
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      accepted.push(socket);
      held.push(socket);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return { server, port: (server.address() as { port: number }).port, accepted };
  }

  /** A connection from `clientHost` to a listener; the endpoints as the listener's socket sees them. */
  async function pair(listenHost: string, clientHost: string): Promise<Pair> {
    const { server, port } = await listen(listenHost);
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect(port, clientHost);
    held.push(client);
    const socket = await accepted;
    return {
      client,
      endpoints: {
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
      },
    };
  }

  before(async () => {
    for (let i = 0; i < 1_000 && netlink.state.kind === 'starting'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(netlink.state.kind, 'ready', JSON.stringify(netlink.state));
  });
  after(() => {
    netlink.dispose();
    for (const socket of held) socket.destroy();
    for (const server of servers) server.close();
  });

  for (const [name, listenHost, clientHost] of [
    ['IPv4', '127.0.0.1', '127.0.0.1'],
    ['IPv6', '::1', '::1'],
    ['a dual-stack listener and an IPv4 client', '::', '127.0.0.1'],
    ['an IPv6 socket connected to a v4-mapped address (as Java)', '127.0.0.1', '::ffff:127.0.0.1'],
  ] as const) {
    it(`finds the client socket the tables list, exactly: ${name}`, async () => {
      const { endpoints } = await pair(listenHost, clientHost);
      const [answer, listed] = await Promise.all([netlink.lookup(endpoints), tables.lookup(endpoints)]);
      assert.ok(listed, 'the tables list the client socket');
      assert.equal(answer.kind, 'found', JSON.stringify(answer));
      assert.equal(answer.entry.inode, listed.inode);
      assert.equal(answer.entry.uid, process.getuid?.());
      assert.equal(answer.entry.local, listed.local);
      assert.equal(answer.entry.remote, listed.remote);
    });
  }

  it('never answers with the proxy side of the connection', async () => {
    const { endpoints } = await pair('127.0.0.1', '127.0.0.1');
    const proxySide: AcceptedEndpoints = {
      remoteAddress: endpoints.localAddress,
      remotePort: endpoints.localPort,
      localAddress: endpoints.remoteAddress,
      localPort: endpoints.remotePort,
    };
    const [client, proxy] = await Promise.all([netlink.lookup(endpoints), netlink.lookup(proxySide)]);
    assert.ok(client.kind === 'found' && proxy.kind === 'found');
    assert.notEqual(client.entry.inode, proxy.entry.inode);
    assert.equal((await tables.lookup(endpoints))?.inode, client.entry.inode);
  });

  it('answers a burst of concurrent lookups, each with its own socket', async () => {
    const { port } = await listen('127.0.0.1');
    const clients = Array.from({ length: 40 }, () => connect(port, '127.0.0.1'));
    held.push(...clients);
    await Promise.all(clients.map((client) => new Promise((resolve) => client.once('connect', resolve))));
    const endpoints = clients.map((client): AcceptedEndpoints => ({
      remoteAddress: client.localAddress ?? '',
      remotePort: client.localPort ?? 0,
      localAddress: client.remoteAddress ?? '',
      localPort: client.remotePort ?? 0,
    }));
    const answers = await Promise.all(endpoints.map((e) => netlink.lookup(e)));
    const inodes = answers.map((answer) => (answer.kind === 'found' ? answer.entry.inode : 0));
    assert.ok(
      inodes.every((inode) => inode > 0),
      JSON.stringify(answers.filter((a) => a.kind !== 'found')),
    );
    assert.equal(new Set(inodes).size, clients.length);
    assert.deepEqual(inodes.slice(0, 5), await Promise.all(endpoints.slice(0, 5).map(async (e) => (await tables.lookup(e))?.inode)));
  });

  it('answers a burst (one dump) exactly as the tables do, closed and dual-stack clients among it', async () => {
    const { port } = await listen('127.0.0.1');
    // Every third an IPv6 socket connected to a v4-mapped address (as Java): an IPv4 dump does not list it.
    const clients = Array.from({ length: 30 }, (_, i) => connect(port, i % 3 === 0 ? '::ffff:127.0.0.1' : '127.0.0.1'));
    held.push(...clients);
    await Promise.all(clients.map((client) => new Promise((resolve) => client.once('connect', resolve))));
    const unmapped = (address: string | undefined): string => (address ?? '').replace(/^::ffff:/, '');
    const endpoints = clients.map((client): AcceptedEndpoints => ({
      remoteAddress: unmapped(client.localAddress),
      remotePort: client.localPort ?? 0,
      localAddress: unmapped(client.remoteAddress),
      localPort: client.remotePort ?? 0,
    }));
    for (const closed of [clients[1], clients[2]]) {
      closed?.destroy();
      await new Promise((resolve) => closed?.once('close', resolve));
    }
    const answers = await Promise.all(endpoints.map((e) => netlink.lookup(e)));
    const listed = await Promise.all(endpoints.map((e) => tables.lookup(e)));
    const seen = (answer: NetlinkAnswer): number => (answer.kind === 'found' ? answer.entry.inode : answer.kind === 'absent' ? 0 : -1);
    assert.deepEqual(
      answers.map(seen),
      listed.map((entry) => entry?.inode ?? 0),
    );
    assert.deepEqual(
      answers.map((answer) => answer.kind),
      endpoints.map((_, i) => (i === 1 || i === 2 ? 'absent' : 'found')),
    );
  });

  it('says absent once the client closed its socket, and for a 4-tuple that never existed', async () => {
    const { client, endpoints } = await pair('127.0.0.1', '127.0.0.1');
    assert.equal((await netlink.lookup(endpoints)).kind, 'found');
    client.destroy();
    await new Promise((resolve) => client.once('close', resolve));
    assert.deepEqual(await netlink.lookup(endpoints), { kind: 'absent' });
    assert.deepEqual(await netlink.lookup({ remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 }), {
      kind: 'absent',
    });
  });

  it('while its helper starts, fails at once, or (asked to wait) answers once the helper is ready', async () => {
    const { endpoints } = await pair('127.0.0.1', '127.0.0.1');
    const fresh = new NetlinkSocketLookup();
    assert.equal(fresh.state.kind, 'starting');
    const [now, waited] = [fresh.lookup(endpoints), fresh.lookup(endpoints, 'wait')];
    assert.deepEqual(await now, { kind: 'failed', reason: 'the netlink helper is starting' });
    const answer = await waited;
    assert.equal(answer.kind, 'found', JSON.stringify(answer));
    assert.equal(answer.entry.inode, (await tables.lookup(endpoints))?.inode);
    fresh.dispose();
    const missing = new NetlinkSocketLookup({ python: '/nonexistent/python3' });
    assert.equal((await missing.lookup(endpoints, 'wait')).kind, 'failed', 'a helper that cannot start fails the waiting lookups');
    missing.dispose();
  });

  it('finds the socket from the first connection of a proxy whose helper is still starting', async () => {
    const { endpoints } = await pair('127.0.0.1', '127.0.0.1');
    const lookup = new ClientSocketLookup();
    assert.match(lookup.method, /starting/);
    const answer = await lookup.lookup(endpoints);
    assert.equal(inodeOf(answer), (await tables.lookup(endpoints))?.inode);
    assert.ok(inodeOf(answer));
    lookup.dispose();
  });

  it('restarts a helper that died, and falls back meanwhile', async () => {
    const state = netlink.state;
    assert.equal(state.kind, 'ready');
    const { endpoints } = await pair('127.0.0.1', '127.0.0.1');
    const exited = new Promise((resolve) => {
      const timer = setInterval(() => {
        if (netlink.state.kind !== 'ready') {
          clearInterval(timer);
          resolve(undefined);
        }
      }, 5);
    });
    process.kill(state.pid, 'SIGKILL');
    await exited;
    const during = await netlink.lookup(endpoints);
    assert.equal(during.kind, 'failed', 'while it restarts the caller falls back');
    for (let i = 0; i < 1_000 && netlink.state.kind !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const restarted = netlink.state;
    assert.ok(restarted.kind === 'ready' && restarted.pid !== state.pid, JSON.stringify(restarted));
    assert.equal((await netlink.lookup(endpoints)).kind, 'found');
  });

  it('kills a helper that stops answering, falls back meanwhile, and starts a new one', async () => {
    const stuck = new NetlinkSocketLookup({ timeoutMs: 100 });
    for (let i = 0; i < 1_000 && stuck.state.kind === 'starting'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const state = stuck.state;
    assert.equal(state.kind, 'ready');
    const { endpoints } = await pair('127.0.0.1', '127.0.0.1');
    process.kill(state.pid, 'SIGSTOP');
    const answers = await Promise.all([0, 1, 2].map(() => stuck.lookup(endpoints)));
    assert.deepEqual(answers, Array<NetlinkAnswer>(3).fill({ kind: 'failed', reason: 'the netlink helper did not answer within 100 ms' }));
    for (let i = 0; i < 1_000 && (stuck.state.kind !== 'ready' || stuck.state.pid === state.pid); i++) {
      await stuck.lookup(endpoints);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const restarted = stuck.state;
    assert.ok(restarted.kind === 'ready' && restarted.pid !== state.pid, JSON.stringify(restarted));
    // The new helper answers (a busy machine may make one answer miss its 100 ms: asked again, bounded).
    let answer = await stuck.lookup(endpoints);
    for (let i = 0; i < 20 && answer.kind === 'failed'; i++) answer = await stuck.lookup(endpoints);
    assert.equal(answer.kind, 'found', JSON.stringify(answer));
    stuck.dispose();
  });

  it('stops its helper when disposed', async () => {
    const own = new NetlinkSocketLookup();
    for (let i = 0; i < 1_000 && own.state.kind === 'starting'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const state = own.state;
    assert.equal(state.kind, 'ready');
    own.dispose();
    const alive = (): boolean => {
      try {
        process.kill(state.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 500 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(alive(), false, 'the helper is gone');
    assert.deepEqual(await own.lookup(v4), { kind: 'failed', reason: 'stopped' });
  });

  it('falls back to the tables when python3 is missing, and says so', async () => {
    const lookup = new ClientSocketLookup({ netlink: { python: '/nonexistent/python3' } });
    const { endpoints } = await pair('127.0.0.1', '127.0.0.1');
    const found = inodeOf(await lookup.lookup(endpoints));
    assert.equal(found, (await tables.lookup(endpoints))?.inode);
    for (let i = 0; i < 500 && !lookup.method.includes('not found'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(lookup.method, '/proc/net/tcp tables (/nonexistent/python3 was not found)');
    assert.equal(inodeOf(await lookup.lookup(endpoints)), found);
    lookup.dispose();
  });

  it('gives up on a helper that exits at once, after a few restarts, and keeps answering from the tables', async () => {
    // Node as "python3": it rejects the interpreter flags and exits before saying ready.
    const lookup = new ClientSocketLookup({ netlink: { python: process.execPath } });
    const { endpoints } = await pair('127.0.0.1', '127.0.0.1');
    const expected = (await tables.lookup(endpoints))?.inode;
    for (let i = 0; i < 1_000 && !lookup.method.startsWith('/proc'); i++) {
      assert.equal(inodeOf(await lookup.lookup(endpoints)), expected);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.match(lookup.method, /^\/proc\/net\/tcp tables \(the netlink helper exited 5 times within a minute\)$/);
    assert.equal(inodeOf(await lookup.lookup(endpoints)), expected);
    lookup.dispose();
  });
});
