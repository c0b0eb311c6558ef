/**
 * The only environment variables attribution reads from a process: those that tell a runtime which CAs to
 * trust, and Pinscope's own markers. Everything else in the environment is dropped as it is read. The
 * values kept (file paths, flags) stay in memory to check the CA; they are never shown or exported —
 * only "set / includes the CA".
 */

/** Set by Pinscope's proxied terminal and `pinscope run` (see proxyEnvironment.ts). */
export const SESSION_MARKER = 'PINSCOPE_SESSION';
export const PROXY_MARKER = 'PINSCOPE_PROXY';

const TRUST_VARIABLES = [
  'NODE_EXTRA_CA_CERTS',
  'NODE_OPTIONS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'JAVA_TOOL_OPTIONS',
  'JDK_JAVA_OPTIONS',
  '_JAVA_OPTIONS',
  'GIT_SSL_CAINFO',
  'AWS_CA_BUNDLE',
  'DENO_CERT',
  'npm_config_cafile',
] as const;

export const ATTRIBUTION_ENVIRONMENT: ReadonlySet<string> = new Set<string>([...TRUST_VARIABLES, SESSION_MARKER, PROXY_MARKER]);

/** A process's trust-relevant variables; null when its environment could not be read (another user's). */
export type TrustEnvironment = ReadonlyMap<string, string> | null;
