/** Parsing of what clients ask the proxy for: `CONNECT host:port` targets and URL ports. */
import { isIP } from 'node:net';
import { HOSTNAME, hostName, type HostName } from '../../hostNames';

export type ConnectTarget = { host: HostName; port: number } | { error: string };

/** Parses a CONNECT request target (authority form): `host:port` or `[v6]:port`. */
export function parseConnectTarget(authority: string): ConnectTarget {
  const match = /^\[([0-9a-f:.]+)\]:(\d{1,5})$/i.exec(authority) ?? /^([^:[\]]+):(\d{1,5})$/.exec(authority);
  if (!match?.[1] || !match[2]) return { error: `CONNECT target ${JSON.stringify(authority.slice(0, 100))} is not host:port` };
  const host = match[1].toLowerCase();
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return { error: `CONNECT port ${port} is out of range` };
  if (!isIP(host) && !HOSTNAME.test(host)) return { error: `CONNECT host ${JSON.stringify(host.slice(0, 100))} is not a valid hostname` };
  return { host: hostName(host), port };
}

export function parseProxyPort(port: string, fallback: number): number {
  return port === '' ? fallback : Number(port);
}
