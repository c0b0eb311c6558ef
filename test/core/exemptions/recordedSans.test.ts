/** Recordings with and without SANs: older ones (no `sans`) read as before; a malformed list skips its line and says why. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecordedConnections } from '../../../src/core/exemptions/recordedConnections';

const leaf = {
  subject: 'CN=api.example.test',
  issuer: 'CN=Real CA',
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2027-01-01T00:00:00.000Z',
  serialNumber: '01',
  pin: 'r3alPinBase64AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
};

function line(id: number, chainSans: unknown, forgedSans: unknown): string {
  const withSans = <T extends object>(o: T, sans: unknown): T => (sans === undefined ? o : { ...o, sans });
  return JSON.stringify({
    type: 'connection',
    id,
    host: 'api.example.test',
    port: 443,
    mode: 'intercept',
    startedAt: '2026-03-01T10:00:00.000Z',
    events: [
      { t: 0, kind: 'accepted', remote: '127.0.0.1:50000' },
      { t: 1, kind: 'connect', host: 'api.example.test', port: 443 },
      { t: 5, kind: 'upstream-tls', version: 'TLSv1.3', alpn: null, chain: [withSans(leaf, chainSans)] },
      withSans(
        {
          t: 6,
          kind: 'forged-certificate',
          subject: 'CN=api.example.test',
          issuer: 'CN=Pinscope Inspection CA',
          pin: 'f0rgedPinAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
          serialNumber: 'ab',
          cached: false,
        },
        forgedSans,
      ),
      { t: 9, kind: 'handshake-complete', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: null },
      { t: 20, kind: 'closed', bytesFromClient: 100, bytesToClient: 200 },
    ],
  });
}

describe('SANs in recordings', () => {
  it('reads a recording from before SANs were recorded, and one with them', () => {
    const { records, skipped } = readRecordedConnections(
      [line(1, undefined, undefined), line(2, ['DNS:api.example.test', 'IP:127.0.0.1'], ['DNS:api.example.test'])].join('\n'),
    );
    assert.deepEqual(skipped, []);
    assert.equal(records.length, 2);
    const chain = records[1]?.events.find((e) => e.kind === 'upstream-tls');
    assert.deepEqual(chain?.kind === 'upstream-tls' ? chain.chain[0]?.sans : null, ['DNS:api.example.test', 'IP:127.0.0.1']);
  });

  it('skips a line whose SANs are not a bounded list of names, and names it', () => {
    const { records, skipped } = readRecordedConnections(
      [
        line(1, 'DNS:api.example.test', undefined),
        line(2, undefined, [42]),
        line(
          3,
          Array.from({ length: 101 }, (_, i) => `DNS:n${i}.test`),
          undefined,
        ),
        line(4, ['x'.repeat(301)], undefined),
        line(5, [], ['DNS:api.example.test']),
      ].join('\n'),
    );
    assert.deepEqual(
      records.map((r) => r.id),
      [5],
    );
    assert.deepEqual(skipped, [
      'line 1: an upstream-tls event whose chain has SANs that are not a list of names',
      'line 2: a forged-certificate event whose SANs are not a list of names',
      'line 3: an upstream-tls event whose chain has SANs that are not a list of names',
      'line 4: an upstream-tls event whose chain has SANs that are not a list of names',
    ]);
  });
});
