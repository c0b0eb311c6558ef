/** Transcript tests: given these events, this category. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../../src/core/diagnosis/classification';
import { clientEnding } from '../../../src/core/proxy/protocol/clientEnding';
import { transcripts } from '../../support/transcripts';

describe('classification', () => {
  const cases: [string, ReturnType<typeof transcripts.ok>, string, string | null][] = [
    ['application data flowed', transcripts.ok('a.test'), 'ok', null],
    ['a fatal unknown_ca alert', transcripts.alert('a.test', 'unknown_ca'), 'cert-rejected', 'unknown_ca'],
    ['a fatal bad_certificate alert (GnuTLS)', transcripts.alert('a.test', 'bad_certificate'), 'cert-rejected', 'bad_certificate'],
    [
      'a fatal certificate_unknown alert (Java)',
      transcripts.alert('a.test', 'certificate_unknown'),
      'cert-rejected',
      'certificate_unknown',
    ],
    [
      'close_notify after a completed handshake, no data',
      transcripts.closedAfterHandshake('a.test', undefined, 'close-notify'),
      'closed-after-handshake',
      null,
    ],
    [
      'FIN after a completed handshake, no data',
      transcripts.closedAfterHandshake('a.test', undefined, 'fin'),
      'closed-after-handshake',
      null,
    ],
    ['FIN after our flight without Finished (Node, TLS 1.3)', transcripts.finAfterFlight('a.test'), 'closed-after-handshake', null],
    ['a bare RST', transcripts.reset('a.test'), 'reset', null],
    ['a bare RST after a completed handshake', transcripts.resetAfterHandshake('a.test'), 'reset', null],
    [
      "close_notify after a completed handshake, then the client kernel's RST (bytes left unread)",
      transcripts.closedThenReset('a.test'),
      'closed-after-handshake',
      null,
    ],
    ['silence mid-handshake', transcripts.silence('a.test'), 'handshake-timeout', null],
    ['a tunnel that is not TLS', transcripts.notTls('a.test'), 'not-tls', null],
    ['a protocol_version alert', transcripts.mismatch('a.test'), 'tls-mismatch', 'protocol_version'],
    ['no shared cipher on our side', transcripts.ourMismatch('a.test'), 'tls-mismatch', null],
    ['a DNS failure upstream', transcripts.upstreamFailed('a.test'), 'upstream-failed', null],
    ['a tunnelled connection with data', transcripts.tunnelled('a.test'), 'ok', null],
    [
      "the server refused for want of a client certificate, after the client's data",
      transcripts.clientCertificateRequired('a.test'),
      'client-cert-required',
      null,
    ],
  ];
  for (const [name, record, category, alert] of cases) {
    it(`${name} → ${category}`, () => {
      const result = classify(record);
      assert.equal(result.category, category);
      assert.equal(result.alert, alert);
      assert.ok(result.reason.length > 10);
    });
  }

  it('says why an upstream failed', () => {
    assert.match(classify(transcripts.upstreamFailed('gone.test')).reason, /dns: DNS lookup of gone\.test failed/);
  });
});

describe('close_notify or bare FIN (raw byte accounting)', () => {
  const base = { tunnelStart: 0, helloRecordBytes: 517, bytesAtSecure: 517 + 6 + 58 };
  it('TLS 1.3: a 24-byte encrypted alert after the Finished is a close_notify, with or without a ChangeCipherSpec', () => {
    assert.equal(clientEnding(517 + 6 + 58 + 24, { ...base, version: 'TLSv1.3', hashBytes: 32 }), 'close-notify');
    assert.equal(clientEnding(517 + 58 + 24, { ...base, version: 'TLSv1.3', hashBytes: 32 }), 'close-notify');
    assert.equal(clientEnding(517 + 6 + 58, { ...base, version: 'TLSv1.3', hashBytes: 32 }), 'fin');
    assert.equal(clientEnding(517 + 6 + 74 + 24, { ...base, version: 'TLSv1.3', hashBytes: 48 }), 'close-notify');
  });
  it('TLS 1.2: only bytes after the handshake count', () => {
    assert.equal(clientEnding(700, { ...base, version: 'TLSv1.2', hashBytes: 32, bytesAtSecure: 670 }), 'close-notify');
    assert.equal(clientEnding(670, { ...base, version: 'TLSv1.2', hashBytes: 32, bytesAtSecure: 670 }), 'fin');
  });
});
