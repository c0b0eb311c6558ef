/** Host names as every layer compares them: one normal form, one loopback test, one order. */

/** Lower case, no brackets around an IPv6 address, no trailing dot. */
export function normaliseHost(host: string): string {
  const lower = host.trim().toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

/** The listen addresses that keep the proxy to this machine. */
export function isLoopbackAddress(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === 'localhost';
}

/** Sorts by host name, the order every list of hosts is shown in. */
export function byHostName(a: { readonly host: string }, b: { readonly host: string }): number {
  return a.host.localeCompare(b.host);
}
