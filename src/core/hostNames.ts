/**
 * Host names as every layer compares them: one syntax, one normal form, one loopback test, one order.
 * The normal form is a type, `HostName`, made only here (`hostName`, `hostFromUserInput`) at the edges
 * where a host comes in: the CONNECT target, the SNI, a person's input, a recording's line. Inner code
 * (the policy's hook, the session's choices, confirmation, the judgement, the hosts view) takes a
 * `HostName` and never normalises again.
 */
import { isIP } from 'node:net';

declare const normalForm: unique symbol;

/** A host in its one normal form: lower case, no trailing dot, an IPv6 address without brackets, no port. */
export type HostName = string & { readonly [normalForm]: true };

/** A well-formed DNS name (underscores allowed, as real names use them; an optional trailing dot). */
export const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/**
 * The SNI as a name we may send on (lower case, a trailing dot kept as the client sent it: the name for
 * the upstream and the forged leaf; `targetHost` gives the connection's `HostName`), or null: it came off
 * the network, so anything but a well-formed DNS name (an IP address, control characters, markup) is never used.
 */
export function usableSni(sni: string | null): string | null {
  return sni !== null && HOSTNAME.test(sni) && !isIP(sni) ? sni.toLowerCase() : null;
}

/**
 * The normal form of a host already split from its port (a CONNECT target's host, an SNI, a recorded
 * host): trimmed, lower case, no brackets around an IPv6 address, no trailing dot. It checks nothing:
 * whether the name is usable is the edge's question (`HOSTNAME`, `usableSni`, `hostFromUserInput`).
 */
export function hostName(host: string): HostName {
  const lower = host.trim().toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return (unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed) as HostName;
}

/** The listen addresses that keep the proxy to this machine. */
export function isLoopbackAddress(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === 'localhost';
}

/** Sorts by host name, the order every list of hosts is shown in. */
export function byHostName(a: { readonly host: string }, b: { readonly host: string }): number {
  return a.host.localeCompare(b.host);
}

/**
 * A host typed by a person ("Tunnel host…"): a URL or `host:port` is reduced to its host, anything
 * that is still not a host name or an IP address is refused with the reason. Returns the normal form.
 */
export function hostFromUserInput(text: string): { host: HostName } | { error: string } {
  let value = text.trim();
  if (!value) return { error: 'Enter a host name, e.g. api.example.com' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      value = new URL(value).hostname;
    } catch {
      return { error: `"${value.slice(0, 80)}" is not a URL or a host name` };
    }
  } else {
    value = value.replace(/[/?#].*$/s, '');
    const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
    if (bracketed?.[1]) value = bracketed[1];
    else if (/^[^:]+:\d{1,5}$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  }
  const host = hostName(value);
  if (host.includes('*'))
    return { error: 'One host, not a pattern: put patterns such as *.example.com in the pinscope.tunnelHosts setting' };
  if (isIP(host) === 0 && !HOSTNAME.test(host)) return { error: `"${host.slice(0, 80)}" is not a host name or an IP address` };
  return { host };
}
