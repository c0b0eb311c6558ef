/**
 * NO_PROXY matching as curl, Go and undici read it: comma- or space-separated entries; `*` bypasses
 * everything; an entry matches the host itself and its subdomains (a leading `.` or `*.` is ignored);
 * `host:port` matches that port only. Used by the Node preload, so it must not throw.
 */
export interface NoProxyEntry {
  readonly host: string;
  readonly port?: number;
}

export function parseNoProxy(value: string | undefined): NoProxyEntry[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((raw) => {
      const entry = raw.toLowerCase().replace(/^\*?\./, '');
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
      if (bracketed?.[1]) return withPort(bracketed[1], bracketed[2]);
      const hostPort = /^([^:]+):(\d+)$/.exec(entry);
      if (hostPort?.[1]) return withPort(hostPort[1], hostPort[2]);
      return { host: entry };
    });
}

function withPort(host: string, port: string | undefined): NoProxyEntry {
  return port ? { host, port: Number(port) } : { host };
}

export function bypassesProxy(entries: readonly NoProxyEntry[], host: string, port: number): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return entries.some((entry) => {
    if (entry.port !== undefined && entry.port !== port) return false;
    return entry.host === '*' || name === entry.host || name.endsWith(`.${entry.host}`);
  });
}
