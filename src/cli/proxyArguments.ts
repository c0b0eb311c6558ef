/** The proxy options shared by `pinscope proxy` and `pinscope run`, parsed and validated. */
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { HostPatternError, parseHostOverride, parseHostPattern } from '../core/proxy/protocol/hostPatterns';
import type { ProxySettings } from '../core/session';
import { parseUpstreamProxy } from '../core/proxy/upstreamProxy';
import { parseClientCertificate } from '../core/proxy/clientCertificates';
import { INSPECTION_PROFILES, inspectionProfile, parseIntermediateCa } from '../core/pki/inspectionProfiles';
import { MAX_CAPTURE_BYTES } from '../core/proxy/legCapture';
import { parseInteger, UsageError } from './usage';

/**
 * Each flag is named after its setting (`pinscope.listenAddress` → `--listen-address`; a list setting takes
 * one value per flag, repeated); the first names stay as aliases so that scripts keep working.
 * test/cli/proxyArguments.test.ts maps every setting in package.json to its flag.
 */
export const PROXY_FLAGS = {
  port: { type: 'string' },
  'listen-address': { type: 'string' },
  /** Alias of --listen-address (its first name). */
  host: { type: 'string' },
  'ca-dir': { type: 'string' },
  events: { type: 'string' },
  'host-override': { type: 'string', multiple: true },
  /** Alias of --host-override, as curl spells it. */
  resolve: { type: 'string', multiple: true },
  'upstream-ca-file': { type: 'string', multiple: true },
  /** Alias of --upstream-ca-file (its first name). */
  'upstream-ca': { type: 'string', multiple: true },
  'upstream-proxy': { type: 'string' },
  'client-cert': { type: 'string', multiple: true },
  profile: { type: 'string' },
  'intermediate-ca': { type: 'string' },
  'tunnel-host': { type: 'string', multiple: true },
  /** Alias of --tunnel-host (its first name; scripts keep working). */
  passthrough: { type: 'string', multiple: true },
  'handshake-timeout': { type: 'string' },
  'key-log-file': { type: 'string' },
  /** Alias of --key-log-file (its first name). */
  keylog: { type: 'string' },
  'capture-bytes': { type: 'string' },
  'confirm-by-tunnelling': { type: 'boolean' },
  /** Alias of --confirm-by-tunnelling (its first name). */
  'auto-confirm': { type: 'boolean' },
  'no-attribute-processes': { type: 'boolean' },
  /** Alias of --no-attribute-processes (its first name). */
  'no-attribution': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const PROXY_FLAGS_HELP = `  --port N                 port to listen on (setting pinscope.port; default 0: any free port)
  --listen-address ADDR    address to listen on (setting pinscope.listenAddress; default 127.0.0.1;
                           anything else exposes the proxy; --host is accepted too)
  --ca-dir DIR             where the Pinscope CA lives (default ${defaultCaDir()})
  --events FILE|-          write one JSON line per finished connection
  --host-override PATTERN=IP[:PORT]  connect hosts matching PATTERN to IP (setting pinscope.hostOverrides;
                           wildcards allowed; --resolve is accepted too, as curl spells it)
  --upstream-ca-file FILE  also trust this CA for the real servers (setting pinscope.upstreamCaFiles;
                           repeatable; --upstream-ca is accepted too)
  --upstream-proxy URL     reach the real servers through this HTTP proxy (setting pinscope.upstreamProxy)
  --profile NAME           the inspection path to behave like (setting pinscope.inspectionProfile):
                           ${INSPECTION_PROFILES.map((p) => p.id).join(', ')}
                           (default generic; see docs/inspection-profiles.md)
  --intermediate-ca CERT,KEY  the organisation's inspection intermediate, for --profile own-intermediate
                           (setting pinscope.intermediateCa)
  --client-cert HOST_PATTERN=CERT,KEY  present the app's client certificate (PEM files) to matching
                           servers that demand one (mutual TLS; setting pinscope.clientCertificates;
                           repeatable; the key is read into memory, never copied or logged)
  --tunnel-host PATTERN    tunnel matching hosts untouched (setting pinscope.tunnelHosts; repeatable;
                           *.example.com, .example.com; --passthrough is accepted too)
  --handshake-timeout MS   how long a client may stay silent mid-handshake (setting
                           pinscope.handshakeTimeoutMs; default 10000)
  --key-log-file FILE      append NSS key-log lines (for Wireshark) to FILE (setting pinscope.keyLogFile;
                           --keylog is accepted too)
  --capture-bytes N        keep the first N bytes each way of both legs, with their TLS secrets, in
                           the events (for 'pinscope export --format pcapng'; default 65536; 0: off;
                           setting pinscope.captureBytes)
  --confirm-by-tunnelling  after a host breaks twice, tunnel its next connection to confirm the cause
                           (setting pinscope.confirmByTunnelling; --auto-confirm is accepted too)
  --no-attribute-processes  do not look up which process made each connection (setting
                           pinscope.attributeProcesses: false; --no-attribution is accepted too)`;

export interface ProxyFlagValues {
  port?: string | undefined;
  'listen-address'?: string | undefined;
  host?: string | undefined;
  'ca-dir'?: string | undefined;
  'host-override'?: string[] | undefined;
  resolve?: string[] | undefined;
  'upstream-ca-file'?: string[] | undefined;
  'upstream-ca'?: string[] | undefined;
  'upstream-proxy'?: string | undefined;
  'client-cert'?: string[] | undefined;
  profile?: string | undefined;
  'intermediate-ca'?: string | undefined;
  'tunnel-host'?: string[] | undefined;
  passthrough?: string[] | undefined;
  'handshake-timeout'?: string | undefined;
  'key-log-file'?: string | undefined;
  keylog?: string | undefined;
  'capture-bytes'?: string | undefined;
  'confirm-by-tunnelling'?: boolean | undefined;
  'auto-confirm'?: boolean | undefined;
  'no-attribute-processes'?: boolean | undefined;
  'no-attribution'?: boolean | undefined;
}

/** A single-valued flag given by its name or its alias: one value, or a usage error when the two disagree. */
function oneOf(name: string, value: string | undefined, alias: string, aliasValue: string | undefined): string | undefined {
  if (value !== undefined && aliasValue !== undefined && value !== aliasValue)
    throw new UsageError(`--${name} and its alias --${alias} disagree ("${value}", "${aliasValue}"): give one`);
  return value ?? aliasValue;
}

/** Whether to confirm breakage by tunnelling (`--confirm-by-tunnelling`, alias `--auto-confirm`). */
export function confirmByTunnelling(values: Pick<ProxyFlagValues, 'confirm-by-tunnelling' | 'auto-confirm'>): boolean {
  return values['confirm-by-tunnelling'] === true || values['auto-confirm'] === true;
}

/** The upstream proxy URL, checked; its password never appears in a message. */
function checkedUpstreamProxy(raw: string): URL {
  if (raw.trim() === '') throw new Error('is empty: expected http://HOST:PORT');
  let url: URL;
  try {
    url = parseUpstreamProxy(raw);
  } catch (error) {
    throw new Error((error instanceof Error ? error.message : String(error)).split(raw).join(withoutPassword(raw)));
  }
  if (url.port === '0') throw new Error(`${withoutPassword(raw)} has port 0: expected 1 to 65535`);
  if (url.pathname !== '/' || url.search || url.hash)
    throw new Error(`${withoutPassword(raw)} has a path or query: expected http://HOST:PORT`);
  return url;
}

/** The URL text with any password replaced (for messages). */
function withoutPassword(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:REDACTED@');
}

export function defaultCaDir(): string {
  const fromEnv = process.env['PINSCOPE_CA_DIR'];
  if (fromEnv) return fromEnv;
  if (platform() === 'win32') return join(process.env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Pinscope');
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Pinscope');
  return join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'pinscope');
}

export function toProxyOptions(values: ProxyFlagValues): ProxySettings {
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
  const captureBytes = parseInteger('--capture-bytes', values['capture-bytes'], 0, MAX_CAPTURE_BYTES);
  const hostOverrides = [...(values['host-override'] ?? []), ...(values.resolve ?? [])];
  const tunnelHosts = [...(values['tunnel-host'] ?? []), ...(values.passthrough ?? [])];
  const listenAddress = oneOf('listen-address', values['listen-address'], 'host', values.host);
  const listenFlag = values['listen-address'] !== undefined ? '--listen-address' : '--host';
  if (listenAddress !== undefined && listenAddress !== 'localhost' && isIP(listenAddress) === 0)
    throw new UsageError(
      `${listenFlag} expects an IP address of this machine (e.g. 127.0.0.1, ::1, 0.0.0.0) or localhost, got "${listenAddress}"`,
    );
  const keyLogFile = oneOf('key-log-file', values['key-log-file'], 'keylog', values.keylog);
  for (const [flag, raws] of [
    ['--host-override', values['host-override'] ?? []],
    ['--resolve', values.resolve ?? []],
  ] as const) {
    for (const raw of raws) {
      const override = wrap(flag, () => parseHostOverride(raw));
      if (isIP(override.address) === 0)
        throw new UsageError(`${flag} ${raw}: "${override.address}" is not an IP address (expected PATTERN=IP[:PORT], IPv6 in brackets)`);
    }
  }
  for (const [flag, raws] of [
    ['--tunnel-host', values['tunnel-host'] ?? []],
    ['--passthrough', values.passthrough ?? []],
  ] as const) {
    for (const raw of raws) {
      const pattern = wrap(flag, () => parseHostPattern(raw));
      if (pattern === '*')
        throw new UsageError(
          `${flag} "${raw}" would tunnel every host, so nothing is inspected; name the hosts (*.example.com, .example.com)`,
        );
    }
  }
  if (values.profile !== undefined) wrap('--profile', () => inspectionProfile(values.profile ?? ''));
  const intermediateCa =
    values['intermediate-ca'] === undefined ? null : wrap('--intermediate-ca', () => parseIntermediateCa(values['intermediate-ca'] ?? ''));
  const inspection = values.profile ?? (intermediateCa ? 'own-intermediate' : undefined);
  const clientCertificates = (values['client-cert'] ?? []).map((raw) => wrap('--client-cert', () => parseClientCertificate(raw)));
  if (values['upstream-proxy'] !== undefined) wrap('--upstream-proxy', () => checkedUpstreamProxy(values['upstream-proxy'] ?? ''));
  const caDir = values['ca-dir'] ?? defaultCaDir();
  if (existsSync(caDir) && !statSync(caDir).isDirectory()) throw new UsageError(`--ca-dir ${caDir} is not a directory`);
  return {
    caDir,
    ...(listenAddress ? { host: listenAddress } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {}),
    hostOverrides,
    tunnelHosts,
    upstreamCaFiles: [...(values['upstream-ca-file'] ?? []), ...(values['upstream-ca'] ?? [])],
    clientCertificates,
    ...(inspection ? { inspectionProfile: inspection } : {}),
    intermediateCa,
    upstreamProxy: values['upstream-proxy'] ?? null,
    keylogFile: keyLogFile ?? null,
    ...(captureBytes !== undefined ? { captureBytes } : {}),
    attributeProcesses: values['no-attribute-processes'] !== true && values['no-attribution'] !== true,
  };
}
