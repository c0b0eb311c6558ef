/** The alert a peer sent, as a table: Node's TLS error in, the alert's name and number out (no sockets). */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { receivedAlert, type ReceivedAlert } from '../../../../src/core/proxy/protocol/alerts';

const TABLE: readonly [string, { code?: unknown; message?: unknown }, ReceivedAlert | undefined][] = [
  ['OpenSSL 3 code (curl without the CA)', { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' }, { name: 'unknown_ca', code: 48 }],
  ['SSLv3-style code (GnuTLS, Go 1.19)', { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' }, { name: 'bad_certificate', code: 42 }],
  ['TLS 1.3 certificate_required', { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }, { name: 'certificate_required', code: 116 }],
  ['a code naming an alert the table lacks', { code: 'ERR_SSL_TLSV1_ALERT_SOMETHING_NEW' }, { name: 'something_new', code: null }],
  [
    'the number in the message',
    { message: 'ssl3_read_bytes:tlsv1 alert unknown ca:SSL alert number 48' },
    { name: 'unknown_ca', code: 48 },
  ],
  ['an unknown number in the message', { message: 'SSL alert number 199' }, { name: 'alert_199', code: 199 }],
  ['a reset is no alert', { code: 'ECONNRESET', message: 'read ECONNRESET' }, undefined],
  [
    'a local verification error is no alert',
    { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' },
    undefined,
  ],
  ['no code, no message', {}, undefined],
];

describe('received alerts (a table)', () => {
  for (const [name, error, expected] of TABLE) {
    it(name, () => assert.deepEqual(receivedAlert(error), expected));
  }
});
