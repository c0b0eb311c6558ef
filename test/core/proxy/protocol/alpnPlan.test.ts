/** When the client's handshake may run before the real server has chosen a protocol. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlpnMemory, keepsPromise } from '../../../../src/core/proxy/protocol/alpnPlan';

describe('ALPN plan', () => {
  it('promises at once when the client offers nothing or a single protocol', () => {
    const memory = new AlpnMemory();
    assert.deepEqual(memory.plan('a.test', []), { upstreamOffer: [], promised: null });
    assert.deepEqual(memory.plan('a.test', ['http/1.1']), { upstreamOffer: ['http/1.1'], promised: 'http/1.1' });
  });

  it('waits for the server when the client offers a choice, then offers the server only the remembered protocol', () => {
    const memory = new AlpnMemory();
    const offer = ['h2', 'http/1.1'];
    assert.deepEqual(memory.plan('a.test', offer), { upstreamOffer: offer, promised: undefined });
    memory.remember('a.test', offer, 'h2');
    assert.deepEqual(memory.plan('a.test', offer), { upstreamOffer: ['h2'], promised: 'h2' });
    assert.deepEqual(memory.plan('b.test', offer), { upstreamOffer: offer, promised: undefined }, 'per host');
    assert.deepEqual(memory.plan('a.test', ['http/1.1', 'h2']), { upstreamOffer: ['http/1.1', 'h2'], promised: undefined }, 'per offer');
    memory.remember('a.test', offer, null);
    assert.deepEqual(memory.plan('a.test', offer), { upstreamOffer: [], promised: null }, 'a server that chose nothing is offered nothing');
    memory.forget('a.test', offer);
    assert.equal(memory.plan('a.test', offer).promised, undefined);
  });

  it('is bounded, forgetting the oldest host first', () => {
    const memory = new AlpnMemory(2);
    const offer = ['h2', 'http/1.1'];
    for (const host of ['a.test', 'b.test', 'c.test']) memory.remember(host, offer, 'h2');
    assert.equal(memory.plan('a.test', offer).promised, undefined);
    assert.equal(memory.plan('c.test', offer).promised, 'h2');
  });

  it('accepts only a server choice the client can speak', () => {
    assert.ok(keepsPromise('h2', 'h2'));
    assert.ok(keepsPromise(null, null));
    assert.ok(keepsPromise('http/1.1', null), 'HTTP/1.1 is the default without ALPN');
    assert.ok(!keepsPromise('h2', null));
    assert.ok(!keepsPromise('h2', 'http/1.1'));
  });
});
