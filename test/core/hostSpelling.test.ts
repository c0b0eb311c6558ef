/**
 * One host, however it is spelled: a client that names it in mixed case and with a trailing dot (in its
 * CONNECT and in its SNI) reaches one host in the confirmation, the hosts view and the exemption export.
 * Real TLS clients (node) through a real proxy.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildExemptionRequest } from '../../src/core/exemptions/exemptionRequest';
import { hostName } from '../../src/core/hostNames';
import { startHarness, type Harness } from '../support/harness';
import { httpGet, tlsThroughProxy } from '../support/proxyClient';

/** A TLS client that trusts only the origin's CA: it refuses the forged certificate, and works through a tunnel. */
async function visit(harness: Harness, connectHost: string, servername: string): Promise<'refused' | 'answered'> {
  try {
    const tls = await tlsThroughProxy(harness.proxyPort, connectHost, 443, { servername, ca: readFileSync(harness.origin.caFile) });
    await httpGet(tls, servername, '/hello');
    return 'answered';
  } catch {
    return 'refused';
  }
}

describe('one host in every spelling', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ attributeProcesses: false });
  });
  after(async () => {
    await harness.close();
  });

  it('from the CONNECT and the SNI to the confirmation, the hosts view and the export', async () => {
    const { session } = harness;
    assert.equal(await visit(harness, 'Spelled.Example.Test.', 'SPELLED.example.test.'), 'refused');
    assert.equal(await visit(harness, 'spelled.example.test', 'Spelled.Example.Test'), 'refused');
    await harness.connection('spelled.example.test', 1);
    // Confirmation asked for in yet another spelling tunnels the next connection, spelled another way again.
    session.confirm(hostName('SPELLED.EXAMPLE.TEST.'));
    assert.equal(await visit(harness, 'spelled.EXAMPLE.test.', 'spelled.example.TEST.'), 'answered');

    const records = await waitForFinished(harness, 3);
    assert.deepEqual(
      records.map((r) => [r.host, r.mode]),
      [
        ['spelled.example.test', 'intercept'],
        ['spelled.example.test', 'intercept'],
        ['spelled.example.test', 'tunnel'],
      ],
    );
    assert.deepEqual(
      session.confirmations().map((c) => [c.host, c.state]),
      [['spelled.example.test', 'confirmed']],
    );
    const hosts = session.hosts();
    assert.deepEqual(
      hosts.map((h) => [h.host, h.connections, h.breaks, h.confirmed]),
      [['spelled.example.test', 3, true, true]],
    );
    assert.deepEqual(
      session.liveHosts().map((h) => h.host),
      ['spelled.example.test'],
    );

    const request = buildExemptionRequest({
      records,
      confirmed: hosts.filter((h) => h.confirmed).map((h) => h.host),
      hosts: [hostName('Spelled.Example.Test.')],
      format: 'zscaler-urls',
      appName: 'App',
    });
    assert.deepEqual(
      request.entries.map((e) => e.value),
      ['spelled.example.test'],
    );
    assert.equal(request.text.match(/spelled\.example\.test/gi)?.length, 1, request.text);
    assert.doesNotMatch(request.text, /spelled\.example\.test\./i);
  });
});

async function waitForFinished(harness: Harness, count: number) {
  for (let index = 0; index < count; index++) await harness.connection('spelled.example.test', index);
  return harness.session.records().filter((r) => r.finished);
}
