/**
 * Which addresses the proxy refuses to relay to. A proxy reachable from other machines must not become
 * their way into this machine's own services (loopback, the unspecified address, link-local), and no
 * proxy should relay to itself (a loop). Checked on the address actually dialled, after DNS, so that
 * `localhost`, `127.1`, `2130706433` and `0x7f000001` are all caught.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const LOCAL = new BlockList();
LOCAL.addSubnet('127.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('0.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addAddress('::', 'ipv6');
LOCAL.addSubnet('fe80::', 10, 'ipv6');

/** What an address is, when the proxy would refuse it off loopback. */
function localKind(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  const plain = family === 6 && address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const type = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
  if (!LOCAL.check(plain, type)) return undefined;
  if (plain === '::' || plain.startsWith('0.')) return 'the unspecified address (this machine)';
  if (plain === '::1' || plain.startsWith('127.')) return 'a loopback address (this machine)';
  return 'a link-local address';
}

/** True when the proxy listens only on loopback, where relaying to loopback is what the user expects. */
export function isLoopbackListen(host: string): boolean {
  return host === 'localhost' || (isIP(host) !== 0 && localKind(host)?.startsWith('a loopback') === true);
}

/** The addresses of this machine, for "is this our own port". */
function ownAddresses(): Set<string> {
  const addresses = new Set(['127.0.0.1', '::1', '0.0.0.0', '::']);
  for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) addresses.add(entry.address);
  return addresses;
}

export interface TargetGuard {
  /** Why host:port (an IP address) is refused, or undefined. */
  refusal(address: string, port: number): string | undefined;
  /** A `lookup` for net/tls.connect to `port` that refuses names resolving to refused addresses. */
  lookupFor(port: number): typeof dnsLookup;
}

/** The guard for a proxy listening on `listenHost:listenPort`; `allowLocal` relays to this machine's addresses. */
export function targetGuard(listenPort: () => number, allowLocal: boolean, listenHost: string): TargetGuard {
  const refusal = (address: string, port: number): string | undefined => {
    const kind = localKind(address);
    if (port === listenPort() && (kind !== undefined || ownAddresses().has(address)))
      return `refused: ${address}:${port} is the proxy's own port (a loop)`;
    if (kind && !allowLocal)
      return `refused: ${address} is ${kind}; the proxy listens on ${listenHost}, so it does not relay to this machine's own services (see README, Security)`;
    return undefined;
  };
  const lookupFor = (port: number): typeof dnsLookup =>
    ((
      hostname: string,
      options: LookupOptions,
      callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
    ): void => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 0);
        const allowed = addresses.filter((a) => refusal(a.address, port) === undefined);
        const first = addresses[0];
        if (allowed.length === 0 && first) {
          const refused: NodeJS.ErrnoException = new Error(
            `${hostname} resolves to ${first.address}: ${refusal(first.address, port) ?? 'refused'}`,
          );
          refused.code = 'EPINSCOPE_REFUSED';
          return callback(refused, '', 0);
        }
        if (options.all) return callback(null, allowed);
        const chosen = allowed[0];
        return callback(null, chosen?.address ?? '', chosen?.family ?? 4);
      });
    }) as typeof dnsLookup;
  return { refusal, lookupFor };
}
