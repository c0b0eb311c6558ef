/** TLS alert names (RFC 8446 6, RFC 5246 7.2) and how Node's OpenSSL errors name them. */

const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
  121: 'ech_required',
};

const CODES_BY_NAME = new Map(Object.entries(ALERT_NAMES).map(([code, name]) => [name, Number(code)]));

export interface ReceivedAlert {
  readonly name: string;
  readonly code: number | null;
}

/**
 * The alert a peer sent, from a Node TLS error: codes such as `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA` or
 * `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, or messages with "SSL alert number 48". Undefined when the error
 * is not a received alert.
 */
export function receivedAlert(error: { code?: unknown; message?: unknown }): ReceivedAlert | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  const byCode = /_ALERT_([A-Z_]+)$/.exec(code);
  if (byCode?.[1]) {
    const name = byCode[1].toLowerCase();
    return { name, code: CODES_BY_NAME.get(name) ?? null };
  }
  const message = typeof error.message === 'string' ? error.message : '';
  const byNumber = /alert number (\d+)/.exec(message);
  if (byNumber?.[1]) {
    const number = Number(byNumber[1]);
    return { name: ALERT_NAMES[number] ?? `alert_${number}`, code: number };
  }
  return undefined;
}
