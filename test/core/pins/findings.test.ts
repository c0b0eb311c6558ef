/** Host matching per ecosystem, and findings linked to observations: stale, expired, observed breakage. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pinnedHostCovers } from '../../../src/core/pins/hostMatching';
import type { HostMatch, PinConfiguration } from '../../../src/core/pins/pinConfiguration';
import { describeObservation, findingSeverity, linkFindings, type ObservedHost } from '../../../src/core/pins/pinFindings';

const covers = (match: HostMatch, domain: string, host: string): boolean => pinnedHostCovers({ domain, match, line: 1 }, host);

describe('pinned host patterns', () => {
  it('follows each ecosystem: exact, includeSubdomains, OkHttp *. (one label) and **. (any depth)', () => {
    assert.equal(covers('exact', 'api.example.com', 'API.example.com.'), true);
    assert.equal(covers('exact', 'api.example.com', 'v2.api.example.com'), false);
    assert.equal(covers('subdomains', 'example.com', 'example.com'), true);
    assert.equal(covers('subdomains', 'example.com', 'a.b.example.com'), true);
    assert.equal(covers('subdomains', 'example.com', 'badexample.com'), false);
    assert.equal(covers('one-label', 'example.com', 'www.example.com'), true);
    assert.equal(covers('one-label', 'example.com', 'example.com'), false);
    assert.equal(covers('one-label', 'example.com', 'a.b.example.com'), false);
    assert.equal(covers('any-depth', 'example.com', 'example.com'), true);
    assert.equal(covers('any-depth', 'example.com', 'a.b.example.com'), true);
    assert.equal(covers('any-depth', 'example.com', 'notexample.com'), false);
  });
});

const pinSet = (pins: string[], extra: Partial<PinConfiguration> = {}): PinConfiguration => ({
  file: 'nsc.xml',
  line: 3,
  ecosystem: 'android',
  kind: 'pins',
  hosts: [{ domain: 'example.com', match: 'subdomains', line: 2 }],
  pins: pins.map((value, i) => ({ kind: 'spki-sha256', value, line: 4 + i })),
  detail: '<pin-set>',
  ...extra,
});
const host = (name: string, chains: string[][], breaks = true, complete = true): ObservedHost => ({
  host: name,
  connections: 2,
  categories: breaks ? { 'closed-after-handshake': 2 } : { ok: 2 },
  breaks,
  pinning: breaks ? 'likely' : 'unlikely',
  chains: chains.map((pins) => ({ pins, complete })),
});

describe('findings linked to observations', () => {
  it('is stale when no pin (backups included) matches any chain the server served', () => {
    const [finding] = linkFindings(
      [pinSet(['OLD=', 'BACKUP='])],
      [host('api.example.com', [['LEAF=', 'CA=']]), host('other.test', [['X=']])],
      '2026-01-01',
    );
    assert.deepEqual(finding?.stale, [{ host: 'api.example.com', served: ['LEAF=', 'CA='], certain: true }]);
    assert.deepEqual(
      finding.observed.map((o) => o.host),
      ['api.example.com'],
    );
    assert.equal(findingSeverity(finding), 'error');
  });

  it('is only possibly stale when the server did not send its root (a pin may be on it)', () => {
    const [finding] = linkFindings([pinSet(['ROOT='])], [host('api.example.com', [['LEAF=', 'INTERMEDIATE=']], true, false)]);
    assert.deepEqual(finding?.stale, [{ host: 'api.example.com', served: ['LEAF=', 'INTERMEDIATE='], certain: false }]);
    assert.equal(findingSeverity(finding), 'warning');
  });

  it('is not stale when a backup pin matches the CA, nor when the pins cannot be compared', () => {
    const observed = [host('api.example.com', [['LEAF=', 'CA=']])];
    assert.deepEqual(linkFindings([pinSet(['OLD=', 'CA='])], observed)[0]?.stale, []);
    assert.deepEqual(linkFindings([pinSet(['OLD='], { unresolvedPins: 1 })], observed)[0]?.stale, []);
    assert.deepEqual(linkFindings([{ ...pinSet([]), pins: [{ kind: 'spki-sha1', value: 'SHA1=', line: 4 }] }], observed)[0]?.stale, []);
    assert.deepEqual(linkFindings([pinSet(['OLD='])], [host('api.example.com', [])])[0]?.stale, [], 'no chain seen: nothing to compare');
  });

  it('reports expired pins (not enforced any more) instead of stale ones', () => {
    const [finding] = linkFindings([pinSet(['OLD='], { expiration: '2025-12-31' })], [host('api.example.com', [['LEAF=']])], '2026-01-01');
    assert.equal(finding?.expired, true);
    assert.deepEqual(finding.stale, []);
    assert.equal(findingSeverity(finding), 'warning');
    assert.equal(linkFindings([pinSet(['OLD='], { expiration: '2026-01-01' })], [], '2026-01-01')[0]?.expired, false);
  });

  it('describes what was observed the way the CodeLens shows it', () => {
    assert.equal(
      describeObservation(host('api.example.com', [])),
      'api.example.com — breaks under inspection (closed-after-handshake ×2, pinning likely)',
    );
    assert.equal(describeObservation(host('ok.example.com', [], false)), 'ok.example.com — works under inspection (ok ×2)');
  });
});
