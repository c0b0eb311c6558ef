/**
 * Which connections keep their bytes (capturePolicy.ts), through the real proxy with attribution on and
 * a real Node client process: its first connection to a host is captured, a repeat after it accepted
 * the interception is not, a repeat that fails is recorded as failing all the same, and the one after a
 * failure is captured again. The client opens each tunnel, then waits until the proxy knows its process
 * (the record, not the clock) before it sends its ClientHello. Without attribution, a burst is counted by
 * host and ClientHello alone.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { findEvent } from '../../../src/shared/timelineEvents';
import { waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { hello } from '../../support/transcripts';
import { CapturePolicy } from '../../../src/core/proxy/capturePolicy';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { ConnectionStore, type ConnectionRecorder } from '../../../src/core/connectionStore';
import { hostName } from '../../../src/core/hostNames';

const HOST = 'repeat.example.test';

/**
 * A client process that opens a tunnel on "open HOST" and, on "trusting HOST" or "rejecting HOST", makes its
 * TLS connection over the oldest one, and a request; on "holding HOST", a trusting TLS connection that sends
 * nothing until "release" ends it.
 */
const CLIENT = `
const net = require('node:net'), tls = require('node:tls'), fs = require('node:fs');
const [port, caFile, otherCaFile] = process.argv.slice(1);
const tunnels = [], held = [];
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, host] = line.split(' ');
  if (command === 'open') {
    const tunnel = net.connect(Number(port), '127.0.0.1', () => tunnel.write('CONNECT ' + host + ':443 HTTP/1.1\\r\\nHost: ' + host + ':443\\r\\n\\r\\n'));
    tunnel.once('data', (head) => console.log(String(head).startsWith('HTTP/1.1 200') ? 'open' : 'refused'));
    tunnels.push(tunnel);
    return;
  }
  if (command === 'release') return held.splice(0).forEach((socket) => socket.end());
  const socket = tls.connect({ socket: tunnels.shift(), servername: host, ca: fs.readFileSync(command === 'rejecting' ? otherCaFile : caFile) }, () =>
    command === 'holding' ? console.log('secure') : socket.write('GET /hello HTTP/1.1\\r\\nHost: ' + host + '\\r\\nConnection: close\\r\\n\\r\\n'));
  if (command === 'holding') held.push(socket);
  socket.on('data', () => undefined);
  socket.on('error', (error) => console.log('done ' + error.code));
  socket.on('close', () => console.log('done'));
});
`;

/** The proxy (attribution on or off) and a client process of CLIENT, with what it printed. */
interface ProxyAndClient {
  h: Harness;
  client: ChildProcessWithoutNullStreams;
  readonly lines: string[];
}

/** A ProxyAndClient started before a suite's tests and stopped after them. */
function proxyAndClient(attributeProcesses: boolean): ProxyAndClient {
  const run = { lines: [] as string[] } as ProxyAndClient;
  before(async () => {
    run.h = await startHarness({ attributeProcesses });
    run.client = spawn(process.execPath, ['-e', CLIENT, String(run.h.proxyPort), run.h.caFile, run.h.origin.caFile]);
    createInterface({ input: run.client.stdout }).on('line', (line) => run.lines.push(line));
  });
  after(async () => {
    run.client.kill();
    await run.h.close();
  });
  return run;
}

/** Waits until `count` more of the client's lines after the first `from` are `line`. */
async function linesSaid(lines: string[], from: number, line: string, count: number): Promise<void> {
  await waitFor(() => lines.slice(from).filter((said) => said === line).length >= count || undefined, 30_000, `${count} × ${line}`);
}

/** Whether a connection was captured, its category, and why it was left out, if it was. */
interface Outcome {
  readonly captured: boolean;
  readonly category: string;
  readonly skipped?: string;
}

describe('capture policy', () => {
  const run = proxyAndClient(true);

  /** Opens `count` tunnels to `host` and waits until the proxy knows their process (the record, not the clock). */
  const openTunnels = async (host: string, count: number): Promise<void> => {
    const before = run.lines.length;
    for (let i = 0; i < count; i++) run.client.stdin.write(`open ${host}\n`);
    await waitFor(() => run.lines.slice(before).filter((line) => line === 'open').length === count, 30_000, `${count} tunnels open`);
    await waitFor(
      () =>
        run.h.session.records().filter((r) => !r.finished && r.host === host && r.client?.process.kind === 'local').length === count ||
        undefined,
      30_000,
      `the process of ${count} tunnels known`,
    );
  };

  /** What became of connection `index` to `host`: captured or not, and its category. */
  const outcome = async (host: string, index: number): Promise<Outcome> => {
    const notice = await run.h.connection(host, index);
    assert.equal(notice.record.client?.process.pid, run.client.pid, 'the client process');
    assert.ok(findEvent(notice.record.events, 'client-hello'), 'a ClientHello read');
    const captured = run.h.session.captureOf(notice.record.id) !== undefined;
    const skipped = run.h.session.captureSkipped(notice.record.id);
    assert.equal(skipped !== undefined, !captured, 'a connection without bytes is one the policy left out, and says why');
    return { captured, category: notice.line.category, ...(skipped ? { skipped } : {}) };
  };

  /** One connection of the client process: the tunnel, the proxy knowing its process, then the TLS. */
  const connection = async (index: number, trust: 'trusting' | 'rejecting'): Promise<Outcome> => {
    await openTunnels(HOST, 1);
    run.client.stdin.write(`${trust} ${HOST}\n`);
    return outcome(HOST, index);
  };

  it('keeps the first connection, leaves out repeats the client accepted, and keeps again after a failure', async () => {
    assert.deepEqual(await connection(0, 'trusting'), { captured: true, category: 'ok' }, 'a first connection is captured');
    assert.deepEqual(
      await connection(1, 'trusting'),
      { captured: false, category: 'ok', skipped: 'accepted' },
      'a repeat of an accepted one is not',
    );
    const failing = await connection(2, 'rejecting');
    assert.equal(failing.captured, false, 'a repeat is not captured, even one that then fails');
    assert.equal(failing.skipped, 'accepted');
    assert.notEqual(failing.category, 'ok', 'its failure is recorded all the same');
    assert.deepEqual(await connection(3, 'rejecting'), { captured: true, category: failing.category }, 'after a failure, captured again');
  });

  it('keeps two of a burst of connections opened at once, the others being repeats of them', async () => {
    const host = 'burst.example.test';
    await openTunnels(host, 5);
    for (let i = 0; i < 5; i++) run.client.stdin.write(`trusting ${host}\n`);
    const outcomes = await Promise.all([0, 1, 2, 3, 4].map((index) => outcome(host, index)));
    assert.ok(
      outcomes.every((o) => o.category === 'ok'),
      JSON.stringify(outcomes),
    );
    const captured = outcomes.filter((o) => o.captured).length;
    assert.ok(
      outcomes.every((o) => o.captured || o.skipped === 'burst' || o.skipped === 'accepted'),
      'the others are left out as repeats of the burst (or of an accepted one)',
    );
    assert.ok(captured === 1 || outcomes.some((o) => o.skipped === 'burst'), 'one opened while two were captured is left out as a burst');
    // Two, or one when the first was accepted before the second's ClientHello was read.
    assert.ok(captured >= 1 && captured <= 2, `${captured} of 5 captured`);
  });
});

describe('capture policy while the process is not known', () => {
  const run = proxyAndClient(false);

  /** Opens a tunnel to `host` and makes a TLS connection over it (`command`), once the tunnel is open. */
  const connect = async (host: string, command: 'trusting' | 'holding', count = 1): Promise<void> => {
    const from = run.lines.length;
    for (let i = 0; i < count; i++) run.client.stdin.write(`open ${host}\n`);
    await linesSaid(run.lines, from, 'open', count);
    for (let i = 0; i < count; i++) run.client.stdin.write(`${command} ${host}\n`);
  };

  /** Connection `index` to `host` (in the order they finished): captured, or why not. */
  const captureOf = async (host: string, index: number): Promise<{ category: string; captured: boolean; skipped?: string }> => {
    const { record, line } = await run.h.connection(host, index);
    assert.equal(record.client, undefined, 'no process looked up');
    const skipped = run.h.session.captureSkipped(record.id);
    return { category: line.category, captured: run.h.session.captureOf(record.id) !== undefined, ...(skipped ? { skipped } : {}) };
  };

  it('counts a burst by host and ClientHello: one opened while two are captured and open is left out, the next after them is kept', async () => {
    const host = 'pool.example.test';
    const from = run.lines.length;
    await connect(host, 'holding', 2);
    // Both handshakes are done and the two connections stay open, captured, without application data.
    await linesSaid(run.lines, from, 'secure', 2);
    await connect(host, 'trusting');
    assert.deepEqual(await captureOf(host, 0), { category: 'ok', captured: false, skipped: 'burst' }, 'opened while two were captured');
    run.client.stdin.write('release\n');
    for (const index of [1, 2]) assert.equal((await captureOf(host, index)).captured, true, `held connection ${index} captured`);
    await connect(host, 'trusting');
    assert.deepEqual(await captureOf(host, 3), { category: 'ok', captured: true }, 'once they are gone, captured again');
  });

  it('never calls a connection a repeat without its process', async () => {
    const host = 'again.example.test';
    for (let index = 0; index < 3; index++) {
      await connect(host, 'trusting');
      assert.deepEqual(await captureOf(host, index), { category: 'ok', captured: true }, `connection ${index}`);
    }
  });
});

describe('capture policy before the process is known', () => {
  const known = (connection: ConnectionRecord, pid: number): void => {
    connection.client = {
      process: { kind: 'local', label: 'node', pid, startTime: '42', path: '/usr/bin/node', name: 'node' },
      trust: null,
    };
  };

  /** A connection of `store` to `host` whose ClientHello was just read (from process `pid`, or one not known yet). */
  const helloFrom = (store: ConnectionStore, host: string, pid?: number): ConnectionRecorder => {
    const recorder = store.open(hostName(host), 443, 'intercept');
    if (pid !== undefined) known(recorder.record, pid);
    recorder.add({ kind: 'client-hello', hello: hello(host) });
    return recorder;
  };
  /** The client completes the forged handshake and sends its request: it accepted the interception. */
  const accepts = (recorder: ConnectionRecorder): void => {
    recorder.add({ kind: 'handshake-complete', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'h2' });
    recorder.add({ kind: 'first-data', from: 'client', bytes: 100 });
  };

  it('calls a connection a repeat only once its process is known to be the one that accepted', () => {
    const store = new ConnectionStore();
    const policy = new CapturePolicy();
    policy.follow(store);
    const host = 'api.example.test';
    const first = helloFrom(store, host, 1001);
    assert.equal(policy.skips(first.record), null, 'a first connection is captured');
    accepts(first);
    const unknown = helloFrom(store, host);
    assert.equal(policy.mayRepeat(unknown.record), true, 'only its process can tell: worth waiting for');
    assert.equal(policy.skips(unknown.record), null, 'without its process, never a repeat');
    assert.equal(policy.skips(helloFrom(store, host, 1001).record), 'accepted', 'the same process: a repeat');
    const other = helloFrom(store, host, 1002);
    assert.equal(policy.mayRepeat(other.record), false, 'its process is known: nothing to wait for');
    assert.equal(policy.skips(other.record), null, 'another process: captured');
    // Accepted before its process was known: noted under its process once that is.
    const late = helloFrom(store, 'late.example.test');
    assert.equal(policy.skips(late.record), null);
    accepts(late);
    known(late.record, 1003);
    assert.equal(policy.skips(helloFrom(store, 'late.example.test', 1003).record), 'accepted');
    policy.unfollow();
  });

  it('counts a burst by host and ClientHello until its captured connections end, or one left out of it fails', () => {
    const store = new ConnectionStore();
    const policy = new CapturePolicy();
    policy.follow(store);
    const host = 'pool.example.test';
    const [first, second] = [helloFrom(store, host), helloFrom(store, host)];
    assert.equal(policy.skips(first.record), null);
    assert.equal(policy.skips(second.record), null);
    accepts(first);
    const third = helloFrom(store, host);
    assert.equal(policy.skips(third.record), 'burst', 'opened beside two that cannot be told from it, accepted or not');
    assert.equal(policy.skips(helloFrom(store, 'other.example.test').record), null, 'another host is another burst');
    known(first.record, 1001);
    known(second.record, 1001);
    accepts(second);
    const fourth = helloFrom(store, host);
    assert.equal(policy.skips(fourth.record), 'burst', 'their processes known, its own still is not: it cannot be told from theirs');
    fourth.finish(0, 0);
    assert.equal(policy.skips(helloFrom(store, host).record), null, 'one left out failed: what the two show is not what it did');
    third.finish(0, 0);
    policy.unfollow();
  });
});
