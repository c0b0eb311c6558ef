/**
 * A stop loses no connection: every connection open when the proxy stops is closed, judged and announced
 * before `stop` resolves (the CLI writes its events file and summary right after).
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Session } from '../../../src/core/session';
import { waitFor } from '../../support/clients';
import { openTunnel } from '../../support/proxyClient';

describe('stopping the proxy', () => {
  let origin: Server;
  let originPort = 0;
  const clients: Socket[] = [];
  const session = new Session();
  before(async () => {
    // Closes each connection at once: the server's side of a tunnel is gone while its client stays open.
    origin = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originPort = (origin.address() as AddressInfo).port;
  });
  after(async () => {
    await session.stop();
    for (const client of clients) client.destroy();
    origin.close();
  });

  it('announces a tunnel whose server closed and whose client is still open before stop resolves', async () => {
    const announced: number[] = [];
    session.onJudged.subscribe((judged) => announced.push(judged.record.id));
    const proxy = await session.start({
      caDir: join(mkdtempSync(join(tmpdir(), 'pinscope-stop-')), 'ca'),
      tunnelHosts: ['*.stop.test'],
      attributeProcesses: false,
      hostOverrides: [`*.stop.test=127.0.0.1:${originPort}`],
    });
    const count = 3;
    for (let i = 0; i < count; i++) {
      const client = await openTunnel(proxy.port, `app${i}.stop.test`, 443, true);
      client.on('error', () => undefined);
      // The client does not end its side: it reads the server's FIN and keeps its socket open.
      const ended = new Promise<void>((resolve) => client.once('end', resolve));
      client.resume();
      clients.push(client);
      await ended;
    }
    const records = session.records();
    const upstreamFin = (r: (typeof records)[number]): boolean => r.events.some((e) => e.kind === 'fin' && e.from === 'upstream');
    await waitFor(() => records.every(upstreamFin) || undefined, 10_000, "the server's FINs");
    assert.equal(records.length, count);
    assert.ok(
      records.every((r) => !r.finished),
      'each client is still open',
    );

    await session.stop();

    assert.deepEqual(
      session.records().map((r) => r.finished),
      Array.from({ length: count }, () => true),
      'every connection is finished when stop resolves',
    );
    assert.deepEqual(announced.sort(), records.map((r) => r.id).sort(), 'and announced');
  });
});
