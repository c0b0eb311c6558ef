/** Both legs' first bytes, kept per connection within the limit, through the real proxy; on by default, off for tunnelled hosts and at 0. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CapturedLeg } from '../../../src/core/report/capturedTraffic';
import { DEFAULT_CAPTURE_BYTES } from '../../../src/shared/vocabulary';
import { curl } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { httpGet, tlsThroughProxy } from '../../support/proxyClient';

const kept = (leg: CapturedLeg | undefined, from: 'initiator' | 'responder'): number =>
  leg?.events.reduce((sum, e) => sum + (e.kind === 'data' && e.from === from ? e.bytes.length : 0), 0) ?? -1;

describe('leg capture', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ captureBytes: 1000, tunnelHosts: ['tunnelled.example.test'] });
  });
  after(async () => {
    await h.close();
  });

  it('keeps the first bytes each way of both legs, counts the rest, and the secrets of both handshakes', async () => {
    const host = 'captured.example.test';
    const tls = await tlsThroughProxy(h.proxyPort, host, 443, { ALPNProtocols: ['http/1.1'], ca: readFileSync(h.caFile) });
    const response = await httpGet(tls, host, '/bytes?n=20000');
    assert.match(response, /^HTTP\/1\.1 200/);
    const notice = await h.connection(host);
    const capture = h.session.captureOf(notice.record.id);
    assert.ok(capture);
    const client = capture.legs.find((l) => l.role === 'client');
    const server = capture.legs.find((l) => l.role === 'server');
    assert.ok(client && server, 'two legs');
    // The client sends less than the limit (ClientHello, Finished, the request): all of it is kept.
    assert.ok(kept(client, 'initiator') > 300 && client.dropped.initiator === 0, `client → Pinscope: ${kept(client, 'initiator')}`);
    assert.ok(kept(server, 'initiator') > 300 && server.dropped.initiator === 0, `Pinscope → server: ${kept(server, 'initiator')}`);
    assert.equal(kept(client, 'responder'), 1000, 'Pinscope → client: the first 1000 bytes');
    assert.equal(kept(server, 'responder'), 1000, 'server → Pinscope: the first 1000 bytes');
    assert.ok(server.dropped.responder > 19_000);
    assert.ok(client.dropped.responder > 19_000, 'the download past the limit is counted, not kept');
    assert.equal(client.events[0]?.kind === 'data' && client.events[0].bytes[0], 0x16, 'a TLS handshake record first');
    const randoms = new Set(capture.keylog.map((line) => line.split(' ')[1]));
    assert.equal(randoms.size, 2, 'the secrets of two handshakes (two client randoms)');
  });

  it('captures nothing of a tunnelled host', async () => {
    await curl(h.proxyUrl, 'https://tunnelled.example.test/hello', ['--cacert', h.origin.caFile]);
    const notice = await h.connection('tunnelled.example.test');
    assert.equal(notice.record.mode, 'tunnel');
    assert.equal(h.session.captureOf(notice.record.id), undefined);
  });

  it("is on by default (64 KiB each way), the setting's default too, and 0 turns it off", async () => {
    assert.equal(DEFAULT_CAPTURE_BYTES, 65536);
    const on = await startHarness();
    const off = await startHarness({ captureBytes: 0 });
    try {
      for (const harness of [on, off]) {
        const result = await curl(harness.proxyUrl, 'https://default.example.test/hello', ['--cacert', harness.caFile]);
        assert.equal(result.code, 0, result.stderr);
      }
      const captured = on.session.captureOf((await on.connection('default.example.test')).record.id);
      const client = captured?.legs.find((l) => l.role === 'client');
      assert.ok(kept(client, 'initiator') > 300 && kept(client, 'responder') > 300, 'both directions of the client leg kept');
      assert.equal(off.session.captureOf((await off.connection('default.example.test')).record.id), undefined);
    } finally {
      await on.close();
      await off.close();
    }
    const manifest = JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    assert.equal(manifest.contributes.configuration.properties['pinscope.captureBytes']?.default, DEFAULT_CAPTURE_BYTES);
  });
});
