/** A connection whose upstream session resumes a sibling host's still records the real chain and its pins. */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findEvent } from '../../../src/shared/timelineEvents';
import { curl } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';

describe('the real chain of a resumed upstream session', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('carries the chain of the sibling handshake it resumes, on a failing client', async () => {
    // One origin, one certificate for localhost, example.test and *.example.test: the first host's
    // session is offered to the second, whose client fails (curl without the proxy's CA: unknown_ca).
    const first = await curl(h.proxyUrl, 'https://resumed-a.example.test/hello', ['--http1.1', '--cacert', h.caFile]);
    assert.equal(first.code, 0, first.stderr);
    const full = findEvent((await h.connection('resumed-a.example.test')).record.events, 'upstream-tls');
    assert.ok(full && full.resumed === undefined && full.chain.length > 0, 'the first host: a full handshake with its chain');
    const second = await curl(h.proxyUrl, 'https://resumed-b.example.test/hello', [
      '--http1.1',
      '--capath',
      '/nonexistent',
      '--cacert',
      h.origin.caFile,
    ]);
    assert.notEqual(second.code, 0, 'curl does not trust the forged certificate');
    const failing = await h.connection('resumed-b.example.test');
    const resumed = findEvent(failing.record.events, 'upstream-tls');
    assert.ok(resumed);
    assert.equal(resumed.resumed, true, "the sibling's session was resumed");
    assert.deepEqual(
      resumed.chain.map((c) => c.pin),
      full.chain.map((c) => c.pin),
      'the real chain and pins of the resumed handshake',
    );
    assert.match(resumed.chain[0]?.subject ?? '', /CN=localhost/);
    assert.notEqual(failing.verdict.category, 'ok');
  });
});
