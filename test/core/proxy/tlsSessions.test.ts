/** Upstream sessions: a host's own first, else a sibling's at the same address whose certificate covers it. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TlsSessions } from '../../../src/core/proxy/tlsSessions';

const wildcard = { subject: { CN: 'example.com' }, subjectaltname: 'DNS:example.com, DNS:*.example.com' };
const ticket = (name: string): Buffer => Buffer.from(name);

describe('upstream TLS sessions', () => {
  it('offers a host its own session, else a covering sibling\'s at the same address and offer', () => {
    const sessions = new TlsSessions();
    sessions.remember('api.example.com', '10.0.0.1:443', ['h2'], ticket('api'), wildcard);
    assert.deepEqual(sessions.find('api.example.com', '10.0.0.1:443', ['h2']), ticket('api'));
    assert.deepEqual(sessions.find('cdn.example.com', '10.0.0.1:443', ['h2']), ticket('api'), 'a sibling under *.example.com');
    assert.equal(sessions.find('deep.cdn.example.com', '10.0.0.1:443', ['h2']), undefined, 'a wildcard covers one label');
    assert.equal(sessions.find('example.org', '10.0.0.1:443', ['h2']), undefined, 'not covered');
    assert.equal(sessions.find('cdn.example.com', '10.0.0.2:443', ['h2']), undefined, 'another address');
    assert.equal(sessions.find('cdn.example.com', '10.0.0.1:443', ['http/1.1']), undefined, 'another ALPN offer');
    assert.equal(sessions.find(null, '10.0.0.1:443', ['h2']), undefined, 'no SNI, no sibling');
    sessions.remember('cdn.example.com', '10.0.0.1:443', ['h2'], ticket('cdn'), wildcard);
    assert.deepEqual(sessions.find('api.example.com', '10.0.0.1:443', ['h2']), ticket('api'), 'its own session first');
  });

  it('shares a session with siblings only once the certificate\'s names are known', () => {
    const sessions = new TlsSessions();
    sessions.remember('a.example.com', '10.0.0.1:443', [], ticket('before'), undefined);
    assert.equal(sessions.find('b.example.com', '10.0.0.1:443', []), undefined);
    sessions.remember('a.example.com', '10.0.0.1:443', [], ticket('after'), { subject: { CN: 'a.example.com' } });
    assert.equal(sessions.find('b.example.com', '10.0.0.1:443', []), undefined, 'a certificate for a.example.com only');
    assert.deepEqual(sessions.find('a.example.com', '10.0.0.1:443', []), ticket('after'));
  });
});
