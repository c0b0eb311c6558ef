/** The proxy options shared by `pinscope proxy` and `pinscope run`, parsed and validated. */
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { HostPatternError, parseHostOverride, parseHostPattern } from '../core/proxy/hostPatterns';
import type { ProxyOptions } from '../core/proxy/proxyServer';
import { parseUpstreamProxy } from '../core/proxy/upstream';
import { parseInteger, UsageError } from './usage';

export const PROXY_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'ca-dir': { type: 'string' },
  events: { type: 'string' },
  resolve: { type: 'string', multiple: true },
  'upstream-ca': { type: 'string', multiple: true },
  'upstream-proxy': { type: 'string' },
  passthrough: { type: 'string', multiple: true },
  'handshake-timeout': { type: 'string' },
  keylog: { type: 'string' },
  'auto-confirm': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const PROXY_FLAGS_HELP = `  --port N                 port to listen on (default 0: any free port)
  --host ADDR              address to listen on (default 127.0.0.1; anything else exposes the proxy)
  --ca-dir DIR             where the Pinscope CA lives (default ${defaultCaDir()})
  --events FILE|-          write one JSON line per finished connection
  --resolve PATTERN=IP[:PORT]  connect hosts matching PATTERN to IP (like curl --resolve; wildcards allowed)
  --upstream-ca FILE       also trust this CA for the real servers (repeatable)
  --upstream-proxy URL     reach the real servers through this HTTP proxy
  --passthrough PATTERN    tunnel matching hosts untouched (repeatable; *.example.com, .example.com)
  --handshake-timeout MS   how long a client may stay silent mid-handshake (default 10000)
  --keylog FILE            append NSS key-log lines (for Wireshark) to FILE
  --auto-confirm           after a host breaks twice, tunnel its next connection to confirm the cause`;

export interface ProxyFlagValues {
  port?: string | undefined;
  host?: string | undefined;
  'ca-dir'?: string | undefined;
  resolve?: string[] | undefined;
  'upstream-ca'?: string[] | undefined;
  'upstream-proxy'?: string | undefined;
  passthrough?: string[] | undefined;
  'handshake-timeout'?: string | undefined;
  keylog?: string | undefined;
}

export function defaultCaDir(): string {
  const fromEnv = process.env['PINSCOPE_CA_DIR'];
  if (fromEnv) return fromEnv;
  if (platform() === 'win32') return join(process.env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Pinscope');
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Pinscope');
  return join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'pinscope');
}

export function toProxyOptions(values: ProxyFlagValues): ProxyOptions {
  const wrap = <T>(flag: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof HostPatternError || error instanceof Error) throw new UsageError(`${flag}: ${error.message}`);
      throw error;
    }
  };
  const port = parseInteger('--port', values.port, 0, 65535);
  const handshakeTimeoutMs = parseInteger('--handshake-timeout', values['handshake-timeout'], 100, 600_000);
  const resolve = values.resolve ?? [];
  const passthrough = values.passthrough ?? [];
  resolve.forEach((r) => wrap('--resolve', () => parseHostOverride(r)));
  passthrough.forEach((p) => wrap('--passthrough', () => parseHostPattern(p)));
  if (values['upstream-proxy']) wrap('--upstream-proxy', () => parseUpstreamProxy(values['upstream-proxy'] ?? ''));
  return {
    caDir: values['ca-dir'] ?? defaultCaDir(),
    ...(values.host ? { host: values.host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {}),
    resolve,
    passthrough,
    upstreamCaFiles: values['upstream-ca'] ?? [],
    upstreamProxy: values['upstream-proxy'] ?? null,
    keylogFile: values.keylog ?? null,
  };
}
