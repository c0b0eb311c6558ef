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
  /** Hosts that must bypass the proxy; loopback by default. */
  readonly noProxy?: readonly string[];
}

export function proxyEnvironment({ proxyUrl, caCertPath, trustBundlePath, noProxy = ['localhost', '127.0.0.1', '::1'] }: ProxyEnvironmentInput): Record<string, string> {
  const bypass = noProxy.join(',');
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
    PINSCOPE_PROXY: proxyUrl,
  };
}

/** Renders the environment as POSIX shell `export` lines, safely quoted. */
export function toShellExports(environment: Readonly<Record<string, string>>): string {
  return Object.entries(environment).map(([name, value]) => `export ${name}='${value.replace(/'/g, "'\\''")}'`).join('\n');
}
