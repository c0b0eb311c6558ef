/**
 * What a runtime's name means, as pure data: where it takes its trusted roots from by default (the OS
 * store, or a store of its own), which variables and flags name its trust, and what its TLS stack does
 * (when it checks the chain, which alert means "unknown issuer"). `process/runtimes.ts` finds a
 * process's runtime; the judgement reads a recorded runtime's name here. Sources: docs/judgement.md.
 */
import { basename } from 'node:path';

export type Runtime =
  | 'node'
  | 'python'
  | 'java'
  | 'go'
  | 'curl'
  | 'wget'
  | 'openssl'
  | 'gnutls'
  | 'ruby'
  | 'php'
  | 'firefox'
  | 'chromium'
  | 'dotnet'
  | 'unknown';

/** `os`: the OS trust store; `own`: a store of its own; `depends`: on the library the program uses (Python: ssl vs requests/certifi). */
export type StoreUse = 'os' | 'own' | 'depends' | 'unknown';

/**
 * When a TLS stack checks the server's chain: `in-handshake` (a failure aborts the handshake with an
 * alert, so a completed handshake proves the chain was trusted), `after-handshake` (the handshake
 * completes whatever the chain, the check follows: Node checks in JavaScript, wget after GnuTLS's
 * handshake), `unknown`. See docs/judgement.md for the sources.
 */
type ValidationTiming = 'in-handshake' | 'after-handshake' | 'unknown';

/** What a runtime's TLS stack does, as the judgement reads it (pure data, no IO). */
export interface RuntimeTls {
  /** The TLS library, for people: "OpenSSL", "Go crypto/tls", "JSSE". */
  readonly stack: string;
  readonly validates: ValidationTiming;
  /** Alerts this stack sends only when the chain leads to no root it trusts (unknown issuer), never for a pin. */
  readonly unknownIssuerAlerts: readonly string[];
}

export interface RuntimeFacts extends RuntimeTls {
  readonly runtime: Runtime;
  /** For people: "node", "Python", "a Go binary". */
  readonly label: string;
  readonly store: StoreUse;
  /** The environment variables it honours to trust an extra CA (the first is the one to suggest). */
  readonly variables: readonly string[];
  /** Command-line options that name the trust file it uses (`--cacert`, `--ca-certificate=`, `-CAfile`). */
  readonly trustFlags: readonly string[];
}

const OPENSSL: RuntimeTls = { stack: 'OpenSSL', validates: 'in-handshake', unknownIssuerAlerts: ['unknown_ca'] };

const TABLE: Readonly<Record<Runtime, Omit<RuntimeFacts, 'runtime'>>> = {
  node: {
    label: 'node',
    store: 'own',
    variables: ['NODE_EXTRA_CA_CERTS'],
    trustFlags: [],
    stack: 'OpenSSL, checked in JavaScript after the handshake',
    validates: 'after-handshake',
    unknownIssuerAlerts: [],
  },
  python: {
    label: 'Python',
    store: 'depends',
    variables: ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE'],
    trustFlags: [],
    ...OPENSSL,
  },
  java: {
    label: 'Java',
    store: 'own',
    variables: ['JAVA_TOOL_OPTIONS'],
    trustFlags: [],
    stack: 'JSSE',
    validates: 'in-handshake',
    unknownIssuerAlerts: [],
  },
  go: {
    label: 'Go binary',
    store: 'os',
    variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'],
    trustFlags: [],
    stack: 'Go crypto/tls',
    validates: 'in-handshake',
    unknownIssuerAlerts: ['unknown_ca'],
  },
  curl: {
    label: 'curl',
    store: 'os',
    variables: ['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'],
    trustFlags: ['--cacert', '--capath'],
    ...OPENSSL,
  },
  wget: {
    label: 'wget',
    store: 'os',
    variables: [],
    trustFlags: ['--ca-certificate', '--ca-directory'],
    stack: 'GnuTLS, checked by wget after the handshake',
    validates: 'after-handshake',
    unknownIssuerAlerts: [],
  },
  openssl: { label: 'openssl', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: ['-CAfile', '-CApath'], ...OPENSSL },
  gnutls: {
    label: 'gnutls-cli',
    store: 'os',
    variables: [],
    trustFlags: ['--x509cafile'],
    stack: 'GnuTLS',
    validates: 'in-handshake',
    unknownIssuerAlerts: [],
  },
  ruby: { label: 'Ruby', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: [], ...OPENSSL },
  php: { label: 'PHP', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: ['openssl.cafile'], ...OPENSSL },
  firefox: {
    label: 'Firefox',
    store: 'own',
    variables: [],
    trustFlags: [],
    stack: 'NSS',
    validates: 'in-handshake',
    unknownIssuerAlerts: ['unknown_ca'],
  },
  chromium: {
    label: 'Chromium-based app',
    store: 'own',
    variables: [],
    trustFlags: [],
    stack: 'BoringSSL',
    validates: 'in-handshake',
    unknownIssuerAlerts: [],
  },
  dotnet: {
    label: '.NET',
    store: 'os',
    variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'],
    trustFlags: [],
    stack: 'OpenSSL through .NET (checked after the handshake before .NET 10 on Linux)',
    validates: 'unknown',
    unknownIssuerAlerts: [],
  },
  unknown: {
    label: 'program',
    store: 'unknown',
    variables: [],
    trustFlags: [],
    stack: 'unknown',
    validates: 'unknown',
    unknownIssuerAlerts: [],
  },
};

/** Pure: what the judgement knows of a runtime's TLS stack (a recording carries only the runtime's name). */
export function runtimeTls(runtime: string): RuntimeTls {
  const facts = (TABLE as Readonly<Record<string, RuntimeTls | undefined>>)[runtime] ?? TABLE.unknown;
  return { stack: facts.stack, validates: facts.validates, unknownIssuerAlerts: facts.unknownIssuerAlerts };
}

export function runtimeFacts(runtime: Runtime): RuntimeFacts {
  return { runtime, ...TABLE[runtime] };
}

/** Pure: the runtime a name says (`python3.11`, `java`, `node`, `curl`, …); null when the name says nothing. */
export function runtimeFromName(path: string | null, name: string): Runtime | null {
  const exe = basename(path ?? name)
    .toLowerCase()
    .replace(/\.exe$/, '');
  if (/^(node|nodejs|bun|deno)$/.test(exe)) return 'node';
  if (/^python[\d.]*m?$|^pypy/.test(exe)) return 'python';
  if (/^java$|^javaw$/.test(exe)) return 'java';
  if (/^(curl|wget|openssl|ruby|php)/.test(exe))
    return exe.startsWith('php') ? 'php' : exe.startsWith('ruby') ? 'ruby' : (exe.match(/^(curl|wget|openssl)/)?.[1] as Runtime);
  if (/^gnutls-cli/.test(exe)) return 'gnutls';
  if (/^(firefox|firefox-esr|firefox-bin|thunderbird)$/.test(exe)) return 'firefox';
  if (/^(chrome|chromium|chromium-browser|google-chrome|msedge|electron|code|code-insiders|slack|discord|teams)$/.test(exe))
    return 'chromium';
  if (/^dotnet$/.test(exe)) return 'dotnet';
  return null;
}
