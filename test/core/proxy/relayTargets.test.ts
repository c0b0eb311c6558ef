/**
 * What the proxy relays to (issue 23): listening off loopback, it refuses loopback, unspecified and
 * link-local targets in every spelling, and it never relays to its own port.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Session } from '../../../src/core/session';
import { captureClientHello } from '../../support/clientHellos';
import { curl, waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { openTunnel } from '../../support/proxyClient';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'pinscope-hardening2-'));

describe('what the proxy relays to', () => {
  let h: Harness;
  let realHello: Buffer;
  before(async () => {
    h = await startHarness({ handshakeTimeoutMs: 3000, connectTimeoutMs: 1500, relayToLocalAddresses: false });
    realHello = await captureClientHello();
  });
  after(async () => {
    await h.close();
  });

  it('when told not to (listening off loopback), refuses loopback, unspecified and link-local targets in every spelling', async () => {
    for (const target of ['127.0.0.1', '::1', '0.0.0.0', '2130706433', '0x7f000001', '127.1', 'localhost', '169.254.10.1']) {
      const socket = await openTunnel(h.proxyPort, target.includes(':') ? `[${target}]` : target, h.origin.port);
      socket.on('error', () => undefined);
      socket.write(realHello);
      const finished = await waitFor(() => h.session.records().find((r) => r.finished && r.host === target), 8000, target);
      socket.destroy();
      const failed = finished.events.find((e) => e.kind === 'upstream-failed');
      assert.ok(
        failed && /refused: .*(loopback|unspecified|link-local)/.test(failed.reason),
        `${target}: ${JSON.stringify(finished.events)}`,
      );
    }
    const plain = await curl(h.proxyUrl, `http://127.0.0.1:${h.origin.port}/`, ['-i']);
    assert.match(plain.stdout, /^HTTP\/1\.1 502[\s\S]*refused/);
    // Host overrides are the operator's own choice: *.example.test still reaches the local origin.
    assert.equal((await curl(h.proxyUrl, 'https://allowed.example.test/hello', ['--cacert', h.caFile])).code, 0);
  });

  it('never relays to its own port, even on loopback', async () => {
    const session = new Session();
    const proxy = await session.start({ caDir: join(tempDir(), 'ca') });
    try {
      const own = await curl(proxy.url, `http://127.0.0.1:${proxy.port}/x`, ['-i']);
      assert.match(own.stdout, /^HTTP\/1\.1 502[\s\S]*refused: .*own port/);
      const socket = await openTunnel(proxy.port, 'localhost', proxy.port);
      socket.on('error', () => undefined);
      socket.write(realHello);
      const finished = await waitFor(() => session.records().find((r) => r.finished && r.mode === 'intercept'), 8000);
      socket.destroy();
      assert.ok(
        finished.events.some((e) => e.kind === 'upstream-failed' && /own port/.test(e.reason)),
        JSON.stringify(finished.events),
      );
    } finally {
      await session.stop();
    }
  });
});
