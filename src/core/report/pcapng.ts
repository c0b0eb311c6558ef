/**
 * pcapng (draft-ietf-opsawg-pcapng) of captured connections, with their TLS secrets embedded in a
 * Decryption Secrets Block, so Wireshark and tshark decrypt both legs without a key-log option.
 *
 * Each leg becomes one TCP connection in raw IPv4 (link type 101) with synthesised framing: SYN,
 * SYN-ACK, ACK, the bytes as they were sent, then the FIN or RST each side ended with. Addresses are
 * loopback and made up (a leg's real addresses are not kept): per connection n, the client's leg runs
 * 127.0.0.1 → 127.0.0.2 and the server's 127.0.0.3 → 127.0.0.4, from port 1024 + n (mod 60000), to
 * port 443 so that Wireshark reads TLS; the real target is in the SYN's comment.
 */
import type { CapturedConnection, CapturedLeg, LegSide } from './capturedTraffic';
import { visibleControlCharacters } from './textEscaping';

export interface PcapngConnection {
  readonly id: number;
  /** The host and port the client asked for: goes into a comment (control characters removed). */
  readonly target: string;
  readonly capture: CapturedConnection;
}

const LINKTYPE_RAW = 101;
const SECRETS_TLS_KEY_LOG = 0x544c534b;
/** Payload per synthesised segment: well under an IPv4 datagram's 65535 bytes. */
const SEGMENT = 16 * 1024;
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

interface Packet {
  readonly at: number;
  readonly data: Buffer;
  readonly comment?: string;
}

/** The pcapng file: a section header, one raw-IPv4 interface, the key log, then every packet in time order. */
export function pcapng(connections: readonly PcapngConnection[]): Buffer {
  const packets = connections.flatMap((connection) => connection.capture.legs.map((leg) => legPackets(connection, leg)).flat());
  // Stable: within a leg, packets are already in order.
  packets.sort((a, b) => a.at - b.at);
  const keylog = [...new Set(connections.flatMap((c) => c.capture.keylog))];
  return Buffer.concat([
    sectionHeader(),
    interfaceDescription(),
    ...(keylog.length > 0 ? [decryptionSecrets(`${keylog.join('\n')}\n`)] : []),
    ...packets.map(enhancedPacket),
  ]);
}

function legPackets(connection: PcapngConnection, leg: CapturedLeg): Packet[] {
  const clientLeg = leg.role === 'client';
  const address = (side: LegSide): number => 0x7f000000 + (clientLeg ? 1 : 3) + (side === 'initiator' ? 0 : 1);
  const port = (side: LegSide): number => (side === 'initiator' ? 1024 + (connection.id % 60000) : 443);
  const next = { initiator: 1000, responder: 500_000 };
  const packets: Packet[] = [];
  const other = (side: LegSide): LegSide => (side === 'initiator' ? 'responder' : 'initiator');
  const send = (at: number, from: LegSide, flags: number, payload: Buffer = Buffer.alloc(0), comment?: string): void => {
    const to = other(from);
    const data = ipv4Tcp(address(from), address(to), port(from), port(to), next[from], flags & TCP_ACK ? next[to] : 0, flags, payload);
    packets.push({ at, data, ...(comment ? { comment } : {}) });
    next[from] = (next[from] + payload.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
  };
  const target = visibleControlCharacters(connection.target.slice(0, 300));
  const what = clientLeg ? 'client ⇄ Pinscope (forged certificate)' : 'Pinscope ⇄ the real server';
  send(
    leg.openedAt,
    'initiator',
    TCP_SYN,
    undefined,
    `Pinscope connection ${connection.id} to ${target}: ${what}; addresses and ports are synthesised`,
  );
  send(leg.openedAt, 'responder', TCP_SYN | TCP_ACK);
  send(leg.openedAt, 'initiator', TCP_ACK);
  const ended = new Set<LegSide>();
  for (const event of leg.events) {
    if (ended.has(event.from)) continue;
    if (event.kind === 'data') {
      for (let offset = 0; offset < event.bytes.length; offset += SEGMENT)
        send(event.at, event.from, TCP_PSH | TCP_ACK, event.bytes.subarray(offset, offset + SEGMENT));
      continue;
    }
    // Bytes not kept still advanced the sequence: Wireshark shows the gap as not captured.
    next[event.from] = (next[event.from] + leg.dropped[event.from]) >>> 0;
    send(event.at, event.from, event.kind === 'fin' ? TCP_FIN | TCP_ACK : TCP_RST | TCP_ACK);
    ended.add(event.from);
    if (event.kind === 'rst') ended.add(other(event.from));
  }
  return packets;
}

function ipv4Tcp(
  source: number,
  destination: number,
  sourcePort: number,
  destinationPort: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Buffer,
): Buffer {
  const packet = Buffer.alloc(20 + 20 + payload.length);
  packet.writeUInt8(0x45, 0);
  packet.writeUInt16BE(packet.length, 2);
  packet.writeUInt16BE(0x4000, 6); // don't fragment
  packet.writeUInt8(64, 8);
  packet.writeUInt8(6, 9); // TCP
  packet.writeUInt32BE(source, 12);
  packet.writeUInt32BE(destination, 16);
  packet.writeUInt16BE(checksum(packet.subarray(0, 20)), 10);
  const tcp = packet.subarray(20);
  tcp.writeUInt16BE(sourcePort, 0);
  tcp.writeUInt16BE(destinationPort, 2);
  tcp.writeUInt32BE(seq, 4);
  tcp.writeUInt32BE(ack, 8);
  tcp.writeUInt8(5 << 4, 12);
  tcp.writeUInt8(flags, 13);
  tcp.writeUInt16BE(65535, 14);
  payload.copy(tcp, 20);
  const pseudo = Buffer.alloc(12);
  pseudo.writeUInt32BE(source, 0);
  pseudo.writeUInt32BE(destination, 4);
  pseudo.writeUInt16BE(6, 8);
  pseudo.writeUInt16BE(tcp.length, 10);
  tcp.writeUInt16BE(checksum(Buffer.concat([pseudo, tcp])), 16);
  return packet;
}

/** The Internet checksum (RFC 1071). */
function checksum(bytes: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += bytes.readUInt16BE(i);
  if (bytes.length % 2 === 1) sum += (bytes[bytes.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A block: type, total length, body (padded to 32 bits), total length again. */
function block(type: number, body: Buffer): Buffer {
  const padded = padded32(body);
  const out = Buffer.alloc(12 + padded.length);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(out.length, 4);
  padded.copy(out, 8);
  out.writeUInt32LE(out.length, out.length - 4);
  return out;
}

function padded32(bytes: Buffer): Buffer {
  const rest = bytes.length % 4;
  return rest === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(4 - rest)]);
}

/** Options: code, length, value padded; then opt_endofopt. */
function options(entries: readonly (readonly [number, Buffer])[]): Buffer {
  if (entries.length === 0) return Buffer.alloc(0);
  return Buffer.concat([
    ...entries.map(([code, value]) => {
      const head = Buffer.alloc(4);
      head.writeUInt16LE(code, 0);
      head.writeUInt16LE(value.length, 2);
      return Buffer.concat([head, padded32(value)]);
    }),
    Buffer.alloc(4),
  ]);
}

function sectionHeader(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  body.writeBigInt64LE(-1n, 8); // section length not given
  return block(0x0a0d0d0a, Buffer.concat([body, options([[4, Buffer.from('Pinscope')]])]));
}

function interfaceDescription(): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(LINKTYPE_RAW, 0);
  body.writeUInt32LE(0, 4); // no snap length
  return block(0x00000001, Buffer.concat([body, options([[2, Buffer.from('pinscope (synthesised TCP)')]])]));
}

function decryptionSecrets(keylog: string): Buffer {
  const secrets = Buffer.from(keylog, 'ascii');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(SECRETS_TLS_KEY_LOG, 0);
  head.writeUInt32LE(secrets.length, 4);
  return block(0x0000000a, Buffer.concat([head, padded32(secrets)]));
}

function enhancedPacket(packet: Packet): Buffer {
  const micros = BigInt(Math.round(packet.at * 1000));
  const head = Buffer.alloc(20);
  head.writeUInt32LE(0, 0); // interface 0
  head.writeUInt32LE(Number(micros >> 32n), 4);
  head.writeUInt32LE(Number(micros & 0xffffffffn), 8);
  head.writeUInt32LE(packet.data.length, 12);
  head.writeUInt32LE(packet.data.length, 16);
  return block(0x00000006, Buffer.concat([head, padded32(packet.data), options(packet.comment ? [[1, Buffer.from(packet.comment)]] : [])]));
}
