/**
 * The environment that routes a program through the proxy and makes common runtimes trust its CA:
 * used by `pinscope run`, the proxied terminal and "Copy Proxy Environment".
 */
export interface ProxyEnvironmentInput {
  readonly proxyUrl: string;
  readonly caCertPath: string;
  /** Hosts that must bypass the proxy; loopback by default. */
  readonly noProxy?: readonly string[];
}

export function proxyEnvironment({ proxyUrl, caCertPath, noProxy = ['localhost', '127.0.0.1', '::1'] }: ProxyEnvironmentInput): Record<string, string> {
  const bypass = noProxy.join(',');
  return {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    ALL_PROXY: proxyUrl,
    NO_PROXY: bypass,
    no_proxy: bypass,
    // Node 20+ honours NODE_EXTRA_CA_CERTS; NODE_USE_ENV_PROXY (Node 24+) makes fetch/http use HTTP(S)_PROXY.
    NODE_EXTRA_CA_CERTS: caCertPath,
    NODE_USE_ENV_PROXY: '1',
    // OpenSSL-based tools and Python: note these *replace* the default trust store for that process.
    SSL_CERT_FILE: caCertPath,
    REQUESTS_CA_BUNDLE: caCertPath,
    CURL_CA_BUNDLE: caCertPath,
    GIT_SSL_CAINFO: caCertPath,
    AWS_CA_BUNDLE: caCertPath,
    DENO_CERT: caCertPath,
    CARGO_HTTP_CAINFO: caCertPath,
    npm_config_cafile: caCertPath,
    PINSCOPE_PROXY: proxyUrl,
  };
}

/** Renders the environment as POSIX shell `export` lines, safely quoted. */
export function toShellExports(environment: Readonly<Record<string, string>>): string {
  return Object.entries(environment).map(([name, value]) => `export ${name}='${value.replace(/'/g, "'\\''")}'`).join('\n');
}
