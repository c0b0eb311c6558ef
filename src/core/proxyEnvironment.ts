/**
 * The environment that routes a program through the proxy and makes common runtimes trust its CA:
 * used by `pinscope run`, the proxied terminal and "Copy Proxy Environment".
 */
export interface ProxyEnvironmentInput {
  readonly proxyUrl: string;
  /** The Pinscope CA alone (added to Node's roots by NODE_EXTRA_CA_CERTS). */
  readonly caCertPath: string;
  /** Public roots + Pinscope CA, for tools whose variable replaces their trust store. */
  readonly trustBundlePath: string;
  /** JAVA_TOOL_OPTIONS already in the environment, kept in front of ours. */
  readonly javaToolOptions?: string | undefined;
  /** Hosts that must bypass the proxy; loopback by default. */
  readonly noProxy?: readonly string[];
}

export function proxyEnvironment({ proxyUrl, caCertPath, trustBundlePath, javaToolOptions, noProxy = ['localhost', '127.0.0.1', '::1'] }: ProxyEnvironmentInput): Record<string, string> {
  const bypass = noProxy.join(',');
  const { hostname, port } = new URL(proxyUrl);
  // The JVM ignores HTTP(S)_PROXY: route it with system properties (its trust store is left alone —
  // trust the CA with keytool, see Export CA Certificate).
  const javaBypass = noProxy.filter((h) => !h.includes(':')).join('|');
  const javaOptions = [`-Dhttp.proxyHost=${hostname}`, `-Dhttp.proxyPort=${port}`, `-Dhttps.proxyHost=${hostname}`, `-Dhttps.proxyPort=${port}`, `-Dhttp.nonProxyHosts=${javaBypass}`];
  return {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    ALL_PROXY: proxyUrl,
    NO_PROXY: bypass,
    no_proxy: bypass,
    // NODE_EXTRA_CA_CERTS adds to Node's roots; NODE_USE_ENV_PROXY (Node 24+) makes fetch/http use HTTP(S)_PROXY.
    NODE_EXTRA_CA_CERTS: caCertPath,
    NODE_USE_ENV_PROXY: '1',
    // These *replace* the tool's trust store, so they get the bundle: tunnelled hosts keep their real
    // certificates and must still verify.
    SSL_CERT_FILE: trustBundlePath,
    REQUESTS_CA_BUNDLE: trustBundlePath,
    CURL_CA_BUNDLE: trustBundlePath,
    GIT_SSL_CAINFO: trustBundlePath,
    AWS_CA_BUNDLE: trustBundlePath,
    DENO_CERT: trustBundlePath,
    CARGO_HTTP_CAINFO: trustBundlePath,
    npm_config_cafile: trustBundlePath,
    JAVA_TOOL_OPTIONS: [javaToolOptions, ...javaOptions].filter(Boolean).join(' '),
    PINSCOPE_PROXY: proxyUrl,
  };
}

/** Renders the environment as POSIX shell `export` lines, safely quoted. */
export function toShellExports(environment: Readonly<Record<string, string>>): string {
  return Object.entries(environment).map(([name, value]) => `export ${name}='${value.replace(/'/g, "'\\''")}'`).join('\n');
}
