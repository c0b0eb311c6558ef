/** SANs as recorded: Node's subjectAltName text split, DNS names and IP addresses kept, bounded and made visible. */
import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { forgedSan, MAX_SANS_RECORDED, recordedSans } from '../../../src/core/pki/subjectAltNames';
import { makeOriginCertificates } from '../../support/origin';

describe('subject alternative names as recorded', () => {
  it('keeps DNS names and IP addresses in order, skipping the other kinds', () => {
    assert.deepEqual(recordedSans('DNS:a.test, email:x@a.test, IP Address:127.0.0.1, URI:https://a.test/, IP Address:::1, DNS:*.a.test'), {
      sans: ['DNS:a.test', 'IP:127.0.0.1', 'IP:::1', 'DNS:*.a.test'],
      omitted: 0,
    });
    assert.deepEqual(recordedSans(undefined), { sans: [], omitted: 0 });
    assert.deepEqual(recordedSans(''), { sans: [], omitted: 0 });
  });

  it('reads names Node quotes (a separator or a quote inside a name) as one name, and a broken quote as none', () => {
    assert.deepEqual(recordedSans('DNS:"evil.test\\u002c DNS:bank.test", DNS:b.test').sans, ['DNS:evil.test, DNS:bank.test', 'DNS:b.test']);
    assert.deepEqual(recordedSans('DNS:"unterminated, DNS:b.test').sans, []);
  });

  it('shows control and non-ASCII characters as escapes, and cuts an overlong name', () => {
    const { sans } = recordedSans('DNS:"ctl\\u0001\\u001b[31m.test", DNS:"\\u202egnp.test", IP Address:"not\\u0000an-ip"');
    assert.deepEqual(sans, ['DNS:ctl\\u{1}\\u{1b}[31m.test', 'DNS:\\u{202e}gnp.test', 'IP:not\\u{0}an-ip']);
    const long = recordedSans(`DNS:${'a'.repeat(5000)}`).sans[0] ?? '';
    assert.ok(long.length < 300 && long.endsWith('…'), long.slice(-10));
  });

  it(`keeps at most ${MAX_SANS_RECORDED} names and counts the rest`, () => {
    const text = Array.from({ length: 250 }, (_, i) => `DNS:n${i}.test`).join(', ');
    const { sans, omitted } = recordedSans(text);
    assert.equal(sans.length, MAX_SANS_RECORDED);
    assert.equal(sans[99], 'DNS:n99.test');
    assert.equal(omitted, 150);
  });

  it("reads a real certificate's names, hostile ones included, through X509Certificate", () => {
    const { leafPem } = makeOriginCertificates(['a.test', 'evil.test, DNS:bank.test', 'ctl\x01\x1b[31m.test', 'q"x.test']);
    assert.deepEqual(recordedSans(new X509Certificate(leafPem).subjectAltName).sans, [
      'DNS:a.test',
      'DNS:evil.test, DNS:bank.test',
      'DNS:ctl\\u{1}\\u{1b}[31m.test',
      'DNS:q"x.test',
      'IP:127.0.0.1',
    ]);
  });

  it('names a forged leaf by its host: an IP address as IP, anything else as DNS', () => {
    assert.equal(forgedSan('api.example.test'), 'DNS:api.example.test');
    assert.equal(forgedSan('127.0.0.1'), 'IP:127.0.0.1');
    assert.equal(forgedSan('::1'), 'IP:::1');
  });
});
