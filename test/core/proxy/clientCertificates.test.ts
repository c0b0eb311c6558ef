/** When a server's error means "a client certificate is required" (from the signals measured in docs/tls-failure-signals.md), and the flags that configure profiles and certificates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { PROXY_FLAGS, toProxyOptions } from '../../../src/cli/proxyArguments';
import { UsageError } from '../../../src/cli/usage';
import { clientCertificateRefusal, parseClientCertificate } from '../../../src/core/proxy/clientCertificates';

const parse = (args: string[]): ReturnType<typeof toProxyOptions> =>
  toProxyOptions(parseArgs({ args, options: PROXY_FLAGS, strict: true, allowPositionals: false }).values);

describe('client certificate refusals', () => {
  it('certificate_required (TLS 1.3, OpenSSL, Node and GnuTLS servers) always means it', () => {
    const reason = clientCertificateRefusal(
      { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', message: 'tlsv13 alert certificate required' },
      { serverCertificateSeen: true, presented: undefined },
    );
    assert.match(reason ?? '', /requires a client certificate .* certificate_required \(116\)/);
  });

  it("handshake_failure or decode_error (TLS 1.2) means it only after the server's certificate arrived; before, it is a cipher mismatch", () => {
    const failure = { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: 'sslv3 alert handshake failure' };
    assert.match(
      clientCertificateRefusal(failure, { serverCertificateSeen: true, presented: undefined }) ?? '',
      /handshake_failure \(40\) alert after its certificate/,
    );
    assert.equal(clientCertificateRefusal(failure, { serverCertificateSeen: false, presented: undefined }), undefined);
    assert.match(
      clientCertificateRefusal({ code: 'ERR_SSL_TLSV1_ALERT_DECODE_ERROR' }, { serverCertificateSeen: true, presented: undefined }) ?? '',
      /decode_error/,
    );
  });

  it('names the certificate presented when the server refuses it; other errors are not refusals', () => {
    assert.match(
      clientCertificateRefusal({ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' }, { serverCertificateSeen: true, presented: 'CN=client' }) ?? '',
      /refused the client certificate presented for it \(CN=client\)/,
    );
    assert.equal(
      clientCertificateRefusal({ code: 'ECONNRESET', message: 'read ECONNRESET' }, { serverCertificateSeen: true, presented: undefined }),
      undefined,
    );
    assert.equal(
      clientCertificateRefusal({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' }, { serverCertificateSeen: true, presented: undefined }),
      undefined,
    );
  });
});

describe('profile and client certificate flags', () => {
  it('--client-cert takes HOST_PATTERN=CERT,KEY or one file holding both', () => {
    assert.deepEqual(parse(['--client-cert', '*.bank.test=/c.pem,/k.pem']).clientCertificates, [
      { pattern: '*.bank.test', certFile: '/c.pem', keyFile: '/k.pem' },
    ]);
    assert.deepEqual(parseClientCertificate('api.test=/both.pem'), { pattern: 'api.test', certFile: '/both.pem', keyFile: '/both.pem' });
    assert.throws(
      () => parse(['--client-cert', '/c.pem,/k.pem']),
      (error: unknown) => error instanceof UsageError && /^--client-cert: .*expected HOST_PATTERN=CERT,KEY/.test(error.message),
    );
    assert.throws(
      () => parse(['--client-cert', 'bad..host=/c.pem']),
      (error: unknown) => error instanceof UsageError && error.message.startsWith('--client-cert: '),
    );
  });

  it('--profile is checked against the known profiles; --intermediate-ca alone selects own-intermediate', () => {
    assert.equal(parse(['--profile', 'zscaler']).inspectionProfile, 'zscaler');
    assert.equal(parse([]).inspectionProfile, undefined);
    assert.throws(
      () => parse(['--profile', 'bluecoat']),
      (error: unknown) => error instanceof UsageError && /not an inspection profile: use one of generic, zscaler/.test(error.message),
    );
    const own = parse(['--intermediate-ca', '/i.pem,/i.key']);
    assert.equal(own.inspectionProfile, 'own-intermediate');
    assert.deepEqual(own.intermediateCa, { certFile: '/i.pem', keyFile: '/i.key' });
  });
});
