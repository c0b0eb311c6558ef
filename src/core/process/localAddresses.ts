/**
 * Is a client on this machine (attributable to a process) or on another device (known by its address)?
 * Loopback and this machine's own interface addresses are local.
 */
import { networkInterfaces } from 'node:os';

const REFRESH_MS = 30_000;

export class LocalAddresses {
  private addresses = new Set<string>();
  private readAt = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  isLocal(address: string): boolean {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    if (plain.startsWith('127.') || plain === '::1' || plain === '0:0:0:0:0:0:0:1') return true;
    if (this.now() - this.readAt > REFRESH_MS) this.refresh();
    return this.addresses.has(plain.toLowerCase());
  }

  private refresh(): void {
    this.readAt = this.now();
    const found = new Set<string>();
    for (const list of Object.values(networkInterfaces()))
      for (const entry of list ?? []) found.add(entry.address.toLowerCase().replace(/%.*$/, ''));
    this.addresses = found;
  }
}
