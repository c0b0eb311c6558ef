/**
 * Every CA variable Pinscope sets, in one place: the proxy environment, `pinscope run --help` and the
 * README's table come from this list. Each is set even when the environment already has it — managed
 * machines often point them at the system bundle, which lacks the Pinscope CA.
 */
export interface CaVariable {
  readonly name: string;
  /** Who reads it. */
  readonly readers: string;
  /**
   * `ca`: the variable adds to the tool's roots, so the Pinscope CA alone is enough;
   * `bundle`: it replaces them, so it gets the public roots plus the CA (tunnelled hosts keep verifying).
   */
  readonly value: 'ca' | 'bundle';
}

export const CA_VARIABLES: readonly CaVariable[] = [
  { name: 'NODE_EXTRA_CA_CERTS', readers: 'Node.js, Bun, Electron tools', value: 'ca' },
  {
    name: 'SSL_CERT_FILE',
    readers: 'OpenSSL (Python ssl/urllib, Ruby, PHP streams), Go, .NET on Linux, rustls-native-certs, uv',
    value: 'bundle',
  },
  { name: 'REQUESTS_CA_BUNDLE', readers: 'Python requests, Azure CLI, Poetry', value: 'bundle' },
  { name: 'CURL_CA_BUNDLE', readers: 'curl, Python requests', value: 'bundle' },
  { name: 'PIP_CERT', readers: 'pip', value: 'bundle' },
  { name: 'HTTPLIB2_CA_CERTS', readers: 'httplib2 (Google API clients)', value: 'bundle' },
  { name: 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', readers: 'gRPC C-core (Python, Ruby, PHP, C++ gRPC)', value: 'bundle' },
  { name: 'NIX_SSL_CERT_FILE', readers: 'Nix and Nix-built tools', value: 'bundle' },
  { name: 'GIT_SSL_CAINFO', readers: 'git', value: 'bundle' },
  { name: 'AWS_CA_BUNDLE', readers: 'AWS CLI and SDKs', value: 'bundle' },
  { name: 'CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE', readers: 'gcloud', value: 'bundle' },
  { name: 'DENO_CERT', readers: 'Deno', value: 'bundle' },
  { name: 'CARGO_HTTP_CAINFO', readers: 'Cargo', value: 'bundle' },
  { name: 'npm_config_cafile', readers: 'npm, pnpm, Yarn 1', value: 'bundle' },
  { name: 'NPM_CONFIG_CAFILE', readers: 'npm (upper-case spelling, which would otherwise win)', value: 'bundle' },
  { name: 'YARN_HTTPS_CA_FILE_PATH', readers: 'Yarn 2+', value: 'bundle' },
  { name: 'BUNDLE_SSL_CA_CERT', readers: 'Bundler', value: 'bundle' },
  { name: 'HEX_CACERTS_PATH', readers: 'Hex (Elixir)', value: 'bundle' },
];

/** The variable → path pairs for a given CA file and trust bundle. */
export function caVariableValues(caCertPath: string, trustBundlePath: string): Record<string, string> {
  return Object.fromEntries(CA_VARIABLES.map((v) => [v.name, v.value === 'ca' ? caCertPath : trustBundlePath]));
}
