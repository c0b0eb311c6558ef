/**
 * The environment that routes a program through the proxy and makes common runtimes trust its CA:
 * the same for `pinscope run`, the proxied terminal, "apply to all terminals", "Copy Proxy Environment"
 * and debug sessions. What each runtime gets is listed in ROUTED_RUNTIMES (shown in the terminal banner
 * and the README).
 */
import { caVariableValues } from './caVariables';
import { JAVA_TRUST_STORE_PASSWORD } from './javaTrustStore';
import type { RoutingFiles } from './routingFiles';

export interface ProxyEnvironmentInput {
  readonly proxyUrl: string;
  readonly files: RoutingFiles;
  /** Values already in the target environment that Pinscope extends rather than replaces. */
  readonly inherited?: {
    readonly JAVA_TOOL_OPTIONS?: string | undefined;
    readonly NODE_OPTIONS?: string | undefined;
    readonly PHP_INI_SCAN_DIR?: string | undefined;
  };
  /** Hosts that must bypass the proxy; loopback by default. */
  readonly noProxy?: readonly string[];
  /** The running proxy's session (PINSCOPE_SESSION): its process attribution then knows who started a program. */
  readonly sessionId?: string | undefined;
}

const DEFAULT_NO_PROXY: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Variables whose existing value is extended (ours appended) rather than replaced. */
export const EXTENDED_VARIABLES = ['JAVA_TOOL_OPTIONS', 'NODE_OPTIONS', 'PHP_INI_SCAN_DIR'] as const;

export function proxyEnvironment({
  proxyUrl,
  files,
  inherited = {},
  noProxy = DEFAULT_NO_PROXY,
  sessionId,
}: ProxyEnvironmentInput): Record<string, string> {
  const bypass = noProxy.join(',');
  return {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    ALL_PROXY: proxyUrl,
    all_proxy: proxyUrl,
    NO_PROXY: bypass,
    no_proxy: bypass,
    ...caVariableValues(files.caCertPath, files.trustBundlePath),
    // Node 22.21+/24.5+ route http, https and fetch themselves with this switch; older versions get the
    // preload, which routes whatever the running version does not (see nodeEnvProxy.ts).
    NODE_USE_ENV_PROXY: '1',
    NODE_OPTIONS: joinOptions(inherited.NODE_OPTIONS, nodeOptions(files.nodePreloadPath)),
    JAVA_TOOL_OPTIONS: joinOptions(inherited.JAVA_TOOL_OPTIONS, javaOptions(proxyUrl, noProxy, files.javaTrustStorePath)),
    // wget (GnuTLS on Debian) reads no CA variable, only its wgetrc; PHP streams ignore https_proxy.
    WGETRC: files.wgetrcPath,
    PHP_INI_SCAN_DIR: [inherited.PHP_INI_SCAN_DIR ?? '', files.phpIniDirectory].join(':'),
    PINSCOPE_PROXY: proxyUrl,
    ...(sessionId ? { PINSCOPE_SESSION: sessionId } : {}),
  };
}

function nodeOptions(preloadPath: string): string {
  return `--require ${quoteOption(preloadPath)}`;
}

/** The JVM ignores HTTP(S)_PROXY: proxy properties, and a trust store of the public roots plus the CA. */
function javaOptions(proxyUrl: string, noProxy: readonly string[], trustStorePath: string): string {
  const { hostname, port } = new URL(proxyUrl);
  const javaBypass = noProxy.filter((h) => !h.includes(':')).join('|');
  return [
    `-Dhttp.proxyHost=${hostname}`,
    `-Dhttp.proxyPort=${port}`,
    `-Dhttps.proxyHost=${hostname}`,
    `-Dhttps.proxyPort=${port}`,
    `-Dhttp.nonProxyHosts=${javaBypass}`,
    `-Djavax.net.ssl.trustStore=${quoteOption(trustStorePath)}`,
    '-Djavax.net.ssl.trustStoreType=JKS',
    `-Djavax.net.ssl.trustStorePassword=${JAVA_TRUST_STORE_PASSWORD}`,
  ].join(' ');
}

function joinOptions(existing: string | undefined, ours: string): string {
  return existing?.trim() ? `${existing.trim()} ${ours}` : ours;
}

/** NODE_OPTIONS and JAVA_TOOL_OPTIONS (JDK 9+) both accept double-quoted values with spaces. */
function quoteOption(value: string): string {
  return /[\s"\\]/.test(value) ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value;
}

/** Renders the environment as POSIX shell `export` lines, safely quoted. */
export function toShellExports(environment: Readonly<Record<string, string>>): string {
  return Object.entries(environment)
    .map(([name, value]) => `export ${name}='${value.replace(/'/g, "'\\''")}'`)
    .join('\n');
}
