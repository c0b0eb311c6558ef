/**
 * Finds the client's socket of an accepted connection in Linux's `/proc/net/tcp` and `/proc/net/tcp6`:
 * the entry whose local end is the client's address and port and whose remote end is the proxy's. Its
 * inode is what `/proc/PID/fd/*` links to (`socket:[INODE]`).
 *
 * Format (one line per socket): `sl local_address rem_address st … uid timeout inode …`, addresses as
 * hex words in the host's byte order and ports as big-endian hex (`0100007F:1F90` = 127.0.0.1:8080).
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { AcceptedEndpoints } from './processIdentity';

export interface SocketEntry {
  readonly local: string;
  readonly remote: string;
  readonly state: number;
  readonly uid: number;
  readonly inode: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** One 32-bit word as 4 bytes in network order. */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const value = parseInt(hex, 16);
  const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return littleEndian ? bytes.reverse() : bytes;
}

/** `0100007F:1F90` → `127.0.0.1:8080`; IPv6 words → `[::1]:8080` (v4-mapped addresses as plain IPv4). */
function decodeAddress(field: string, littleEndian = LITTLE_ENDIAN): string {
  const [hex = '', portHex = '0'] = field.split(':');
  const port = parseInt(portHex, 16);
  if (hex.length === 8) return `${wordBytes(hex, littleEndian).join('.')}:${port}`;
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8), littleEndian));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `${bytes.slice(12).join('.')}:${port}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  const text = groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::');
  return `[${text}]:${port}`;
}

/** Normalises a Node address (`::ffff:127.0.0.1`, `::1`) and port the way decodeAddress writes them. */
export function endpointText(address: string, port: number): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return plain.includes(':') ? `[${expandIpv6(plain)}]:${port}` : `${plain}:${port}`;
}

/** Canonical compressed form, so `0:0:0:0:0:0:0:1` and `::1` compare equal. */
function expandIpv6(address: string): string {
  const [head = '', tail] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups].map((g) =>
    parseInt(g || '0', 16).toString(16),
  );
  return groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::');
}

function parseSocketLine(line: string, littleEndian = LITTLE_ENDIAN): SocketEntry | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 10 || !fields[0]?.endsWith(':')) return null;
  const [, local = '', remote = '', state = '0'] = fields;
  return {
    local: decodeAddress(local, littleEndian),
    remote: decodeAddress(remote, littleEndian),
    state: parseInt(state, 16),
    uid: Number(fields[7]),
    inode: Number(fields[9]),
  };
}

/**
 * The client's socket for these endpoints in one table's text, or null. Scans for the client port's hex
 * first so that only candidate lines are parsed (the table holds every socket of the machine).
 */
function findClientSocket(table: string, endpoints: AcceptedEndpoints, littleEndian = LITTLE_ENDIAN): SocketEntry | null {
  const clientPort = `:${endpoints.remotePort.toString(16).toUpperCase().padStart(4, '0')} `;
  const proxyPort = `:${endpoints.localPort.toString(16).toUpperCase().padStart(4, '0')} `;
  const client = endpointText(endpoints.remoteAddress, endpoints.remotePort);
  const proxy = endpointText(endpoints.localAddress, endpoints.localPort);
  for (let at = table.indexOf(clientPort); at !== -1; at = table.indexOf(clientPort, at + 1)) {
    const start = table.lastIndexOf('\n', at) + 1;
    const end = table.indexOf('\n', at);
    const line = table.slice(start, end === -1 ? undefined : end);
    if (!line.includes(proxyPort)) continue;
    const entry = parseSocketLine(line, littleEndian);
    if (entry && entry.inode !== 0 && entry.local === client && entry.remote === proxy) return entry;
  }
  return null;
}

const TCP_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;

/**
 * Reads a table; lookups that arrive while a read is queued share it (a read that starts after a
 * connection was accepted sees that connection). The kernel walks its whole connection hash for every
 * read (both tables walk the same hash): on a machine with much memory that costs milliseconds.
 */
export class TcpTables {
  private readonly running = new Map<string, Promise<string>>();
  private readonly queued = new Map<string, Promise<string>>();

  constructor(private readonly tables: readonly string[] = TCP_TABLES) {}

  private read(path: string): Promise<string> {
    const waiting = this.queued.get(path);
    if (waiting) return waiting;
    const start = (): Promise<string> => {
      this.queued.delete(path);
      const reading = readFile(path, 'latin1').catch(() => '');
      this.running.set(path, reading);
      void reading.then(() => {
        if (this.running.get(path) === reading) this.running.delete(path);
      });
      return reading;
    };
    const current = this.running.get(path);
    if (!current) return start();
    const next = current.then(start);
    this.queued.set(path, next);
    return next;
  }

  /** IPv4 first (most clients); the IPv6 table only when not found there (dual-stack sockets, as Java's). */
  async lookup(endpoints: AcceptedEndpoints): Promise<SocketEntry | null> {
    const ipv6First = endpoints.remoteAddress.includes(':') && !endpoints.remoteAddress.startsWith('::ffff:');
    for (const path of ipv6First ? [...this.tables].reverse() : this.tables) {
      const found = findClientSocket(await this.read(path), endpoints);
      if (found) return found;
    }
    return null;
  }
}
