/**
 * Which connections keep their bytes (capturePolicy.ts), through the real proxy with attribution on and
 * a real Node client process: its first connection to a host is captured, a repeat after it accepted
 * the interception is not, a repeat that fails is recorded as failing all the same, and the one after a
 * failure is captured again. The client opens each tunnel, then waits until the proxy knows its process
 * (the record, not the clock) before it sends its ClientHello.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { findEvent } from '../../../src/shared/timelineEvents';
import { waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';

const HOST = 'repeat.example.test';

/** A client process that opens a tunnel on "open HOST" and, on "trusting HOST" or "rejecting HOST", makes its TLS connection over the oldest one, and a request. */
const CLIENT = `
const net = require('node:net'), tls = require('node:tls'), fs = require('node:fs');
const [port, caFile, otherCaFile] = process.argv.slice(1);
const tunnels = [];
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, host] = line.split(' ');
  if (command === 'open') {
    const tunnel = net.connect(Number(port), '127.0.0.1', () => tunnel.write('CONNECT ' + host + ':443 HTTP/1.1\\r\\nHost: ' + host + ':443\\r\\n\\r\\n'));
    tunnel.once('data', (head) => console.log(String(head).startsWith('HTTP/1.1 200') ? 'open' : 'refused'));
    tunnels.push(tunnel);
    return;
  }
  const socket = tls.connect({ socket: tunnels.shift(), servername: host, ca: fs.readFileSync(command === 'trusting' ? caFile : otherCaFile) }, () =>
    socket.write('GET /hello HTTP/1.1\\r\\nHost: ' + host + '\\r\\nConnection: close\\r\\n\\r\\n'));
  socket.on('data', () => undefined);
  socket.on('error', (error) => console.log('done ' + error.code));
  socket.on('close', () => console.log('done'));
});
`;

/** Whether a connection was captured, its category, and why it was left out, if it was. */
interface Outcome {
  readonly captured: boolean;
  readonly category: string;
  readonly skipped?: string;
}

describe('capture policy', () => {
  let h: Harness;
  let client: ChildProcessWithoutNullStreams;
  const lines: string[] = [];
  before(async () => {
    h = await startHarness({ attributeProcesses: true });
    client = spawn(process.execPath, ['-e', CLIENT, String(h.proxyPort), h.caFile, h.origin.caFile]);
    createInterface({ input: client.stdout }).on('line', (line) => lines.push(line));
  });
  after(async () => {
    client.kill();
    await h.close();
  });

  /** Opens `count` tunnels to `host` and waits until the proxy knows their process (the record, not the clock). */
  const openTunnels = async (host: string, count: number): Promise<void> => {
    const before = lines.length;
    for (let i = 0; i < count; i++) client.stdin.write(`open ${host}\n`);
    await waitFor(() => lines.slice(before).filter((line) => line === 'open').length === count, 30_000, `${count} tunnels open`);
    await waitFor(
      () =>
        h.session.records().filter((r) => !r.finished && r.host === host && r.client?.process.kind === 'local').length === count ||
        undefined,
      30_000,
      `the process of ${count} tunnels known`,
    );
  };

  /** What became of connection `index` to `host`: captured or not, and its category. */
  const outcome = async (host: string, index: number): Promise<Outcome> => {
    const notice = await h.connection(host, index);
    assert.equal(notice.record.client?.process.pid, client.pid, 'the client process');
    assert.ok(findEvent(notice.record.events, 'client-hello'), 'a ClientHello read');
    const captured = h.session.captureOf(notice.record.id) !== undefined;
    const skipped = h.session.captureSkipped(notice.record.id);
    assert.equal(skipped !== undefined, !captured, 'a connection without bytes is one the policy left out, and says why');
    return { captured, category: notice.line.category, ...(skipped ? { skipped } : {}) };
  };

  /** One connection of the client process: the tunnel, the proxy knowing its process, then the TLS. */
  const connection = async (index: number, trust: 'trusting' | 'rejecting'): Promise<Outcome> => {
    await openTunnels(HOST, 1);
    client.stdin.write(`${trust} ${HOST}\n`);
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
    for (let i = 0; i < 5; i++) client.stdin.write(`trusting ${host}\n`);
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
