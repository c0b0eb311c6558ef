/** Real connections through the proxy record the SANs of the origin's certificate chain and of the forged leaf. */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { findEvent } from '../../../src/shared/timelineEvents';
import { curl } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { listenOnLoopback } from '../../support/loopback';
import { makeOriginCertificates } from '../../support/origin';
import { tlsThroughProxy } from '../../support/proxyClient';
import { temporaryDirectory } from '../../support/temporaryDirectories';

describe('SANs recorded through the proxy', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it("records the SANs of the origin's certificate and the forged leaf's one name", async () => {
    const result = await curl(h.proxyUrl, 'https://sans.example.test/hello', ['--http1.1', '--cacert', h.caFile]);
    assert.equal(result.code, 0, result.stderr);
    const notice = await h.connection('sans.example.test');
    const chain = findEvent(notice.record.events, 'upstream-tls')?.chain;
    assert.ok(chain);
    assert.deepEqual(chain[0]?.sans, ['DNS:localhost', 'DNS:example.test', 'DNS:*.example.test', 'IP:127.0.0.1']);
    assert.equal(chain[0].sansOmitted, undefined);
    const forged = findEvent(notice.record.events, 'forged-certificate');
    assert.deepEqual(forged?.sans, ['DNS:sans.example.test']);
    assert.ok(
      forged.validFrom && forged.validTo && Date.parse(forged.validFrom) < Date.now() && Date.parse(forged.validTo) > Date.now(),
      "the forged leaf's validity, recorded",
    );
    assert.match(
      notice.line.events.map((e) => JSON.stringify(e)).join('\n'),
      /"sans":\["DNS:sans\.example\.test"\]/,
      'the JSON line carries them',
    );
  });

  it("bounds and escapes a hostile origin's SANs", async () => {
    const names = [
      'hostile.test',
      'evil.test, DNS:bank.test',
      'ctl\x01\x1b[31m.test',
      ...Array.from({ length: 150 }, (_, i) => `n${i}.hostile.test`),
    ];
    const { caPem, leafPem, keyPem } = makeOriginCertificates(names);
    const caFile = join(temporaryDirectory('hostile-origin'), 'ca.pem');
    writeFileSync(caFile, caPem);
    const server = createTlsServer({ key: keyPem, cert: leafPem }, (socket) => socket.end('hi\r\n'));
    const port = await listenOnLoopback(server);
    const hostile = await startHarness({ hostOverrides: [`hostile.test=127.0.0.1:${port}`], upstreamCaFiles: [caFile] });
    try {
      const tls = await tlsThroughProxy(hostile.proxyPort, 'hostile.test', 443, { ca: readFileSync(hostile.caFile) });
      await new Promise<void>((resolve) => {
        tls.resume();
        tls.once('close', () => resolve());
        tls.once('end', () => tls.end());
      });
      const notice = await hostile.connection('hostile.test');
      const leaf = findEvent(notice.record.events, 'upstream-tls')?.chain[0];
      assert.ok(leaf?.sans);
      assert.equal(leaf.sans.length, 100);
      // 153 DNS names and one IP address: 100 kept, 54 counted.
      assert.equal(leaf.sansOmitted, 54);
      assert.deepEqual(leaf.sans.slice(0, 4), [
        'DNS:hostile.test',
        'DNS:evil.test, DNS:bank.test',
        'DNS:ctl\\u{1}\\u{1b}[31m.test',
        'DNS:n0.hostile.test',
      ]);
      assert.ok(
        leaf.sans.every((n) => /^[\x20-\x7e]+$/.test(n)),
        'printable ASCII only',
      );
      assert.deepEqual(findEvent(notice.record.events, 'forged-certificate')?.sans, ['DNS:hostile.test']);
    } finally {
      await hostile.close();
      server.close();
    }
  });
});
