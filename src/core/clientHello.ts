/** Reads the client's TLS ClientHello off a socket (without consuming it) and summarises it. */
import type { Readable } from 'node:stream';
import { calculateJa3, calculateJa4, getExtensionData, readTlsClientHello } from 'read-tls-client-hello';
import type { ClientHelloSummary } from './timeline';

/** The first byte of a TLS handshake record. */
export const TLS_HANDSHAKE_RECORD = 0x16;

const VERSION_NAMES: Readonly<Record<number, string>> = {
  0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3',
};

export function versionName(version: number): string {
  return VERSION_NAMES[version] ?? `0x${version.toString(16).padStart(4, '0')}`;
}

function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && (value >> 8) === (value & 0xff);
}

/** Reads and parses the ClientHello; the bytes stay in the socket for the TLS layer. Rejects on malformed input. */
export async function readClientHello(socket: Readable): Promise<ClientHelloSummary> {
  const hello = await readTlsClientHello(socket);
  const sni = getExtensionData(hello, 'server_name')?.serverName ?? null;
  const alpn = getExtensionData(hello, 'application_layer_protocol_negotiation')?.protocols ?? [];
  const supported = getExtensionData(hello, 'supported_versions')?.versions;
  const versions = (supported && supported.length > 0 ? supported : [hello.version]).filter((v) => !isGrease(v)).map(versionName);
  return {
    sni,
    alpn,
    versions,
    cipherSuites: hello.cipherSuites.filter((c) => !isGrease(c)),
    ja3: calculateJa3(hello),
    ja4: calculateJa4(hello),
  };
}
