/**
 * A host's mode chosen at run time (Tunnel host / Intercept host) has one owner, the session: the proxy's
 * policy reads it through its hook, before a pending confirmation and the tunnel patterns, and a proxy
 * restarted on the same session keeps it. Real curl through a real proxy.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hostName } from '../../src/core/hostNames';
import { curl, waitFor } from '../support/clients';
import { startHarness, type Harness } from '../support/harness';

describe('host choices', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ tunnelHosts: ['patterned.example.test'], attributeProcesses: false });
  });
  after(async () => {
    await harness.close();
  });

  it('a choice made through the session decides the mode, in any spelling of the host, over the patterns', async () => {
    const { session } = harness;
    session.chooseMode(hostName('Chosen.Example.Test.'), 'tunnel');
    session.chooseMode(hostName('patterned.example.test'), 'intercept');
    assert.deepEqual(
      [...session.hostChoices],
      [
        ['chosen.example.test', 'tunnel'],
        ['patterned.example.test', 'intercept'],
      ],
    );
    await curl(harness.proxyUrl, 'https://chosen.example.test/hello', ['--cacert', harness.origin.caFile]);
    await curl(harness.proxyUrl, 'https://patterned.example.test/hello', ['--cacert', harness.caFile]);
    const chosen = await harness.connection('chosen.example.test');
    assert.equal(chosen.record.mode, 'tunnel');
    assert.ok(
      chosen.record.events.some((e) => e.kind === 'policy' && /by the user's choice for chosen\.example\.test/.test(e.reason)),
      JSON.stringify(chosen.record.events),
    );
    assert.equal((await harness.connection('patterned.example.test')).record.mode, 'intercept');
  });

  it('a proxy restarted on the same session keeps the choices', async () => {
    const { session } = harness;
    await session.stop();
    const restarted = await session.start({
      caDir: harness.proxy.ca.directory,
      upstreamCaFiles: [harness.origin.caFile],
      hostOverrides: [`*.example.test=127.0.0.1:${harness.origin.port}`],
      attributeProcesses: false,
    });
    assert.notEqual(restarted.port, harness.proxyPort, 'another proxy');
    assert.equal(session.hostChoices.get(hostName('chosen.example.test')), 'tunnel');
    const before = session.records().length;
    await curl(restarted.url, 'https://chosen.example.test/hello', ['--cacert', harness.origin.caFile]);
    await waitFor(() => (session.records().length > before && session.records().at(-1)?.finished ? true : undefined), 10_000, 'the record');
    const record = session
      .records()
      .slice(before)
      .find((r) => r.host === 'chosen.example.test');
    assert.equal(record?.mode, 'tunnel');
  });
});
