/** Reads the client's TLS ClientHello off a socket (without consuming it) and summarises it. */
import type { Readable } from 'node:stream';
import {
  calculateJa3,
  calculateJa4,
  extensionParsers,
  getExtensionData,
  isGREASE,
  readTlsClientHello,
  type TlsClientHelloMessage,
  type TlsExtension,
} from 'read-tls-client-hello';
import type { ClientHelloSummary } from '../../../shared/timelineEvents';
import { BoundedMap } from '../../boundedMap';

/** The first byte of a TLS handshake record. */
export const TLS_HANDSHAKE_RECORD = 0x16;
const ALPN_EXTENSION = 0x0010;

const VERSION_NAMES: Readonly<Record<number, string>> = {
  0x0300: 'SSLv3',
  0x0301: 'TLSv1',
  0x0302: 'TLSv1.1',
  0x0303: 'TLSv1.2',
  0x0304: 'TLSv1.3',
};

function versionName(version: number): string {
  return VERSION_NAMES[version] ?? `0x${version.toString(16).padStart(4, '0')}`;
}

function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/**
 * Reads and parses the ClientHello; the bytes stay in the socket for the TLS layer. Rejects on malformed
 * input. `buffered` is what the socket already delivered: when it holds the whole record, the hello is
 * framed from it at once; otherwise the library reads the socket.
 */
export async function readClientHello(socket: Readable, buffered?: Buffer): Promise<ClientHelloSummary> {
  const hello = (buffered && frameClientHello(buffered)) ?? (await readTlsClientHello(socket));
  const sni = getExtensionData(hello, 'server_name')?.serverName ?? null;
  const alpn = getExtensionData(hello, 'application_layer_protocol_negotiation')?.protocols ?? [];
  const supported = getExtensionData(hello, 'supported_versions')?.versions;
  const versions = (supported && supported.length > 0 ? supported : [hello.version]).filter((v) => !isGrease(v)).map(versionName);
  return {
    sni,
    alpn,
    versions,
    cipherSuites: hello.cipherSuites.filter((c) => !isGrease(c)),
    ...fingerprints(hello, alpn, sni),
  };
}

/**
 * JA3 and JA4 of hellos framed here, by what they are computed from (the bytes of the fields and
 * extensions they read, and whether an SNI was sent): a client sends the same again and again, and the
 * hashing costs more than framing the hello (docs/performance.md).
 */
const FINGERPRINTS = new BoundedMap<string, { readonly ja3: string; readonly ja4: string }>(256);
/** A usual hello's key is some 300 characters; longer ones (off the network) are not kept. */
const MAX_KEPT_KEY = 2048;

function fingerprints(
  hello: TlsClientHelloMessage,
  alpn: readonly string[],
  sni: string | null,
): { readonly ja3: string; readonly ja4: string } {
  const inputs = FINGERPRINT_INPUTS.get(hello);
  const key = inputs === undefined ? undefined : `${sni ? 'd' : 'i'}${inputs}`;
  const known = key === undefined ? undefined : FINGERPRINTS.get(key);
  if (known) return known;
  const computed = { ja3: calculateJa3(hello), ja4: withSpecAlpnCharacters(calculateJa4(hello), firstAlpnBytes(hello, alpn)) };
  if (key !== undefined && key.length <= MAX_KEPT_KEY) FINGERPRINTS.set(key, computed);
  return computed;
}

/** The ALPN extension's raw bytes of hellos framed here (the library's parser decodes names as 7-bit ASCII). */
const RAW_ALPN = new WeakMap<TlsClientHelloMessage, Buffer>();

/** Of hellos framed here: the bytes JA3 and JA4 are computed from (all but whether an SNI was sent), as one key. */
const FINGERPRINT_INPUTS = new WeakMap<TlsClientHelloMessage, string>();

/** The extensions whose contents JA3 and JA4 read (the first of each id, as the library's getExtensionData finds it). */
const FINGERPRINTED_EXTENSIONS: ReadonlySet<number> = new Set([0x000a, 0x000b, 0x000d, ALPN_EXTENSION]);

/** The first offered ALPN name as sent: from the raw extension when framed here, else as the library decoded it. */
function firstAlpnBytes(hello: TlsClientHelloMessage, decoded: readonly string[]): Buffer | undefined {
  const raw = RAW_ALPN.get(hello);
  if (raw && raw.length >= 3 && raw.readUInt16BE(0) === raw.length - 2 && raw[2] !== undefined && 3 + raw[2] <= raw.length)
    return raw.subarray(3, 3 + raw[2]);
  return decoded[0] === undefined ? undefined : Buffer.from(decoded[0], 'latin1');
}

const isAlphanumeric = (byte: number): boolean =>
  (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);

/**
 * JA4's ALPN characters as its specification says: the first and last characters of the first ALPN
 * value, or, when either is not alphanumeric, the first and last hex digits of the value ("00" when
 * none). read-tls-client-hello 2.0.0 always takes the characters (so `=…)` gives "=)" instead of "39").
 */
function withSpecAlpnCharacters(ja4: string, firstAlpn: Buffer | undefined): string {
  const [a, ...rest] = ja4.split('_');
  if (a === undefined || a.length < 2) return ja4;
  let characters = '00';
  const first = firstAlpn?.[0];
  const last = firstAlpn?.[firstAlpn.length - 1];
  if (firstAlpn && first !== undefined && last !== undefined) {
    const hex = firstAlpn.toString('hex');
    characters =
      isAlphanumeric(first) && isAlphanumeric(last) ? String.fromCharCode(first, last) : `${hex.charAt(0)}${hex.charAt(hex.length - 1)}`;
  }
  return [`${a.slice(0, -2)}${characters}`, ...rest].join('_');
}

/**
 * The ClientHello in `bytes` (a whole handshake record first), framed as read-tls-client-hello frames it
 * and with its extension parsers; `undefined` for anything else — a partial record, or one the library
 * would reject, which then reads it itself and says why. The library reads a stream field by field
 * (some 40 promises per hello, and their garbage: docs/performance.md); the bytes are nearly always in
 * the first read already. Tests hold the two to the same result.
 */
export function frameClientHello(bytes: Buffer): TlsClientHelloMessage | undefined {
  if (bytes.length < 5 || bytes[0] !== TLS_HANDSHAKE_RECORD) return undefined;
  const end = 5 + bytes.readUInt16BE(3);
  if (end > bytes.length) return undefined;
  const hello = bytes.subarray(5, end);
  if (hello.length < 4 || hello[0] !== 0x01 || hello.readUIntBE(1, 3) !== hello.length - 4) return undefined;
  let at = 4;
  // Views of the hello, not copies: the message and its parts are read into the summary and dropped.
  const take = (length: number): Buffer | undefined => {
    if (at + length > hello.length) return undefined;
    at += length;
    return hello.subarray(at - length, at);
  };
  const version = take(2);
  const random = take(32);
  const sessionId = take(take(1)?.[0] ?? hello.length);
  const cipherSuites = take(take(2)?.readUInt16BE(0) ?? hello.length);
  const compressionMethods = take(take(1)?.[0] ?? hello.length);
  const extensionsLength = take(2)?.readUInt16BE(0);
  if (
    !version ||
    !random ||
    !sessionId ||
    !cipherSuites ||
    cipherSuites.length % 2 !== 0 ||
    !compressionMethods ||
    extensionsLength === undefined
  )
    return undefined;
  const extensions: TlsExtension[] = [];
  let alpnData: Buffer | undefined;
  // JA3 and JA4 read the version, the cipher suites, the extensions' ids in order and a few extensions' contents.
  let inputs = `${version.toString('latin1')}${cipherSuites.length}:${cipherSuites.toString('latin1')}`;
  const fingerprinted = new Set<number>();
  for (let read = 0; read < extensionsLength;) {
    const header = take(4);
    const data = header ? take(header.readUInt16BE(2)) : undefined;
    if (!header || !data) return undefined;
    const id = header.readUInt16BE(0);
    extensions.push({ id, data: parseExtension(id, data) });
    if (id === ALPN_EXTENSION && !alpnData) alpnData = data;
    inputs += header.subarray(0, 2).toString('latin1');
    if (FINGERPRINTED_EXTENSIONS.has(id) && !fingerprinted.has(id)) {
      fingerprinted.add(id);
      inputs += `${data.length}:${data.toString('latin1')}`;
    }
    read += 4 + data.length;
  }
  const suites: number[] = [];
  for (let i = 0; i < cipherSuites.length; i += 2) suites.push(cipherSuites.readUInt16BE(i));
  const message = {
    version: version.readUInt16BE(0),
    random,
    sessionId,
    cipherSuites: suites,
    compressionMethods: [...compressionMethods],
    extensions,
  };
  if (alpnData) RAW_ALPN.set(message, alpnData);
  FINGERPRINT_INPUTS.set(message, inputs);
  return message;
}

/** As the library parses an extension (its own, looser GREASE test included, so that both frame alike). */
function parseExtension(id: number, data: Buffer): Record<string, unknown> | null {
  const parser = (extensionParsers as Partial<Record<number, (data: Buffer) => Record<string, unknown> | null>>)[id];
  if (!parser || isGREASE(id)) return null;
  try {
    return parser(data);
  } catch {
    return null;
  }
}
