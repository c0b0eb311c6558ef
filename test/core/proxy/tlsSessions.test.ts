/** Upstream sessions: a host's own first, else a sibling's at the same address whose certificate covers it. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainAfterHandshake, TlsSessions, type SessionChain } from '../../../src/core/proxy/tlsSessions';

const summary = (pin: string) => ({
  subject: 'CN=example.com',
  issuer: 'CN=CA',
  validFrom: '',
  validTo: '',
  serialNumber: '01',
  pin,
  sans: [],
});
const chainOf = (names: SessionChain['names'], pin = 'leaf'): SessionChain => ({ summaries: [summary(pin), summary('ca')], names });
const wildcard = chainOf({ subject: { CN: 'example.com' }, subjectaltname: 'DNS:example.com, DNS:*.example.com' });
const ticket = (name: string): Buffer => Buffer.from(name);

describe('upstream TLS sessions', () => {
  it("offers a host its own session, else a covering sibling's at the same address and offer", () => {
    const sessions = new TlsSessions();
    sessions.remember('api.example.com', '10.0.0.1:443', ['h2'], ticket('api'), wildcard);
    assert.deepEqual(sessions.find('api.example.com', '10.0.0.1:443', ['h2'])?.ticket, ticket('api'));
    assert.deepEqual(sessions.find('cdn.example.com', '10.0.0.1:443', ['h2'])?.ticket, ticket('api'), 'a sibling under *.example.com');
    assert.equal(sessions.find('deep.cdn.example.com', '10.0.0.1:443', ['h2']), undefined, 'a wildcard covers one label');
    assert.equal(sessions.find('example.org', '10.0.0.1:443', ['h2']), undefined, 'not covered');
    assert.equal(sessions.find('cdn.example.com', '10.0.0.2:443', ['h2']), undefined, 'another address');
    assert.equal(sessions.find('cdn.example.com', '10.0.0.1:443', ['http/1.1']), undefined, 'another ALPN offer');
    assert.equal(sessions.find(null, '10.0.0.1:443', ['h2']), undefined, 'no SNI, no sibling');
    sessions.remember('cdn.example.com', '10.0.0.1:443', ['h2'], ticket('cdn'), wildcard);
    assert.deepEqual(sessions.find('api.example.com', '10.0.0.1:443', ['h2'])?.ticket, ticket('api'), 'its own session first');
  });

  it("shares a session with siblings only once the certificate's names are known", () => {
    const sessions = new TlsSessions();
    sessions.remember('a.example.com', '10.0.0.1:443', [], ticket('before'), undefined);
    assert.equal(sessions.find('b.example.com', '10.0.0.1:443', []), undefined);
    sessions.remember('a.example.com', '10.0.0.1:443', [], ticket('after'), chainOf({ subject: { CN: 'a.example.com' } }));
    assert.equal(sessions.find('b.example.com', '10.0.0.1:443', []), undefined, 'a certificate for a.example.com only');
    assert.deepEqual(sessions.find('a.example.com', '10.0.0.1:443', [])?.ticket, ticket('after'));
  });

  it('gives a resumed connection the chain of the handshake it resumes, and only a resumed one', () => {
    const sessions = new TlsSessions();
    sessions.remember('api.example.com', '10.0.0.1:443', [], ticket('api'), chainOf(wildcard.names, 'real'));
    const offered = sessions.find('cdn.example.com', '10.0.0.1:443', []);
    const empty: SessionChain = { summaries: [], names: undefined };
    assert.deepEqual(
      chainAfterHandshake(() => empty, offered, true).summaries.map((c) => c.pin),
      ['real', 'ca'],
      'resumed: the remembered chain',
    );
    assert.equal(
      chainAfterHandshake(() => empty, offered, false),
      empty,
      'a full handshake: what the server sent',
    );
    assert.equal(
      chainAfterHandshake(() => empty, undefined, true),
      empty,
      'nothing remembered: nothing invented',
    );
  });
});
