import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TunnelConfirmation } from '../../../src/core/diagnosis/confirmation';

describe('confirmation by tunnelling', () => {
  const make = (now: { t: number }) =>
    new TunnelConfirmation({ enabled: true, failuresBeforeTunnel: 2, expiryMs: 60_000, now: () => now.t });

  it('is off by default', () => {
    const off = new TunnelConfirmation();
    off.observe('a.test', 'intercept', 'cert-rejected', false);
    off.observe('a.test', 'intercept', 'cert-rejected', false);
    assert.equal(off.tunnelToConfirm('a.test'), undefined);
  });

  it('tunnels after the configured failures, then confirms when data flows', () => {
    const now = { t: 0 };
    const c = make(now);
    c.observe('a.test', 'intercept', 'cert-rejected', false);
    assert.equal(c.tunnelToConfirm('a.test'), undefined, 'one failure is not enough');
    c.observe('a.test', 'intercept', 'closed-after-handshake', false);
    assert.equal(c.tunnelToConfirm('a.test')?.mode, 'tunnel');
    c.observe('a.test', 'tunnel', 'ok', true);
    assert.deepEqual([...c.confirmedHosts()], ['a.test']);
    assert.equal(c.tunnelToConfirm('a.test'), undefined, 'back to interception after confirming');
  });

  it('confirms one host on request even when learning is off', () => {
    const c = new TunnelConfirmation();
    c.request('asked.test');
    assert.equal(c.tunnelToConfirm('asked.test')?.mode, 'tunnel');
    assert.match(c.tunnelToConfirm('asked.test')?.reason ?? '', /as asked/);
    c.observe('asked.test', 'tunnel', 'ok', true);
    assert.deepEqual([...c.confirmedHosts()], ['asked.test']);
    c.observe('other.test', 'intercept', 'reset', false);
    assert.equal(c.list().length, 1, "nothing learned behind the user's back");
  });

  it('does not confirm a host that also fails untouched', () => {
    const c = make({ t: 0 });
    c.observe('b.test', 'intercept', 'reset', false);
    c.observe('b.test', 'intercept', 'reset', false);
    c.observe('b.test', 'tunnel', 'reset', false);
    assert.equal(c.list().find((e) => e.host === 'b.test')?.state, 'not-confirmed');
    assert.equal(c.confirmedHosts().size, 0);
  });

  it('ignores mismatches and upstream failures, expires entries, and can forget', () => {
    const now = { t: 0 };
    const c = make(now);
    c.observe('m.test', 'intercept', 'tls-mismatch', false);
    c.observe('m.test', 'intercept', 'upstream-failed', false);
    assert.equal(c.list().length, 0);
    c.observe('e.test', 'intercept', 'reset', false);
    assert.equal(c.list().length, 1);
    now.t = 61_000;
    assert.equal(c.list().length, 0, 'expired');
    c.observe('f.test', 'intercept', 'reset', false);
    assert.equal(c.forget('f.test'), true);
    assert.equal(c.list().length, 0);
  });
});
