import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TunnelConfirmation } from '../../../src/core/diagnosis/confirmation';
import { hostName } from '../../../src/core/hostNames';

describe('confirmation by tunnelling', () => {
  const make = (now: { t: number }) =>
    new TunnelConfirmation({ enabled: true, failuresBeforeTunnel: 2, expiryMs: 60_000, now: () => now.t });

  it('is off by default', () => {
    const off = new TunnelConfirmation();
    off.observe(hostName('a.test'), 'intercept', 'cert-rejected', false);
    off.observe(hostName('a.test'), 'intercept', 'cert-rejected', false);
    assert.equal(off.tunnelToConfirm(hostName('a.test')), undefined);
  });

  it('tunnels after the configured failures, then confirms when data flows', () => {
    const now = { t: 0 };
    const c = make(now);
    c.observe(hostName('a.test'), 'intercept', 'cert-rejected', false);
    assert.equal(c.tunnelToConfirm(hostName('a.test')), undefined, 'one failure is not enough');
    c.observe(hostName('a.test'), 'intercept', 'closed-after-handshake', false);
    assert.equal(c.tunnelToConfirm(hostName('a.test'))?.mode, 'tunnel');
    c.observe(hostName('a.test'), 'tunnel', 'ok', true);
    assert.deepEqual([...c.confirmedHosts()], ['a.test']);
    assert.equal(c.tunnelToConfirm(hostName('a.test')), undefined, 'back to interception after confirming');
  });

  it('confirms one host on request even when learning is off', () => {
    const c = new TunnelConfirmation();
    c.request(hostName('asked.test'));
    assert.equal(c.tunnelToConfirm(hostName('asked.test'))?.mode, 'tunnel');
    assert.match(c.tunnelToConfirm(hostName('asked.test'))?.reason ?? '', /as asked/);
    c.observe(hostName('asked.test'), 'tunnel', 'ok', true);
    assert.deepEqual([...c.confirmedHosts()], ['asked.test']);
    c.observe(hostName('other.test'), 'intercept', 'reset', false);
    assert.equal(c.list().length, 1, "nothing learned behind the user's back");
  });

  it('does not confirm a host that also fails untouched', () => {
    const c = make({ t: 0 });
    c.observe(hostName('b.test'), 'intercept', 'reset', false);
    c.observe(hostName('b.test'), 'intercept', 'reset', false);
    c.observe(hostName('b.test'), 'tunnel', 'reset', false);
    assert.equal(c.list().find((e) => e.host === 'b.test')?.state, 'not-confirmed');
    assert.equal(c.confirmedHosts().size, 0);
  });

  it('ignores mismatches and upstream failures, expires entries, and can forget', () => {
    const now = { t: 0 };
    const c = make(now);
    c.observe(hostName('m.test'), 'intercept', 'tls-mismatch', false);
    c.observe(hostName('m.test'), 'intercept', 'upstream-failed', false);
    assert.equal(c.list().length, 0);
    c.observe(hostName('e.test'), 'intercept', 'reset', false);
    assert.equal(c.list().length, 1);
    now.t = 61_000;
    assert.equal(c.list().length, 0, 'expired');
    c.observe(hostName('f.test'), 'intercept', 'reset', false);
    assert.equal(c.forget(hostName('f.test')), true);
    assert.equal(c.list().length, 0);
  });
});
