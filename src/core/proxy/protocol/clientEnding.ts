/** How a client that sent no application data ended its TLS: told from the count of its raw bytes. */

/** Where the client's TLS bytes start on the raw socket, and how long its ClientHello record is. */
export interface RawAccounting {
  readonly tunnelStart: number;
  readonly helloRecordBytes: number;
}

/**
 * Whether a client that sent no application data ended with close_notify or a bare FIN. In TLS 1.3 its
 * bytes after the ClientHello are known: a ChangeCipherSpec (6, in compatibility mode) and an encrypted
 * Finished (5 + 4 + hash + 1 + 16); a close_notify adds an encrypted 24-byte alert record (18 more
 * than nothing even if no ChangeCipherSpec was sent). In TLS 1.2 only bytes arriving after the
 * handshake completed can be told apart.
 */
export function clientEnding(
  rawTlsBytes: number,
  raw: RawAccounting & { version: string; hashBytes: number; bytesAtSecure: number },
): 'close-notify' | 'fin' {
  if (raw.version === 'TLSv1.3') {
    const leftover = rawTlsBytes - raw.helloRecordBytes - 6 - (5 + 4 + raw.hashBytes + 1 + 16);
    return leftover >= 18 ? 'close-notify' : 'fin';
  }
  return rawTlsBytes > raw.bytesAtSecure ? 'close-notify' : 'fin';
}
