/** Contexts with the leaf key made ahead of need: available on this Node, refilled in the background, bounded. */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { LeafContexts } from '../../../src/core/pki/leafContexts';

describe('leaf contexts', () => {
  it('adds certificates to prepared contexts and keeps a few spares ready', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const contexts = new LeafContexts(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 3);
    assert.equal(contexts.prepared, true, 'this Node lets a certificate be added to a context (else every leaf pays for its key)');
    assert.throws(() => contexts.make('not a certificate'), 'a bad certificate is an error, not a context without one');
    for (let i = 0; i < 10 && contexts.spareContexts < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(contexts.spareContexts, 3);
    contexts.dispose();
    assert.equal(contexts.spareContexts, 0);
  });
});
