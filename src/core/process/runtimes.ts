/**
 * Which runtime a process is, and where that runtime takes its trusted roots from by default: the OS
 * store (so installing the CA there is enough) or a store of its own (Node's bundled roots, Java's
 * cacerts, NSS profiles — installing the CA in the OS store does not help; real inspection breaks them
 * too unless the app or its launch is changed).
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';

export type Runtime = 'node' | 'python' | 'java' | 'go' | 'curl' | 'wget' | 'openssl' | 'gnutls' | 'ruby' | 'php' | 'firefox' | 'chromium' | 'dotnet' | 'unknown';

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
  node: { label: 'node', store: 'own', variables: ['NODE_EXTRA_CA_CERTS'], trustFlags: [], stack: 'OpenSSL, checked in JavaScript after the handshake', validates: 'after-handshake', unknownIssuerAlerts: [] },
  python: { label: 'Python', store: 'depends', variables: ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE'], trustFlags: [], ...OPENSSL },
  java: { label: 'Java', store: 'own', variables: ['JAVA_TOOL_OPTIONS'], trustFlags: [], stack: 'JSSE', validates: 'in-handshake', unknownIssuerAlerts: [] },
  go: { label: 'Go binary', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: [], stack: 'Go crypto/tls', validates: 'in-handshake', unknownIssuerAlerts: ['unknown_ca'] },
  curl: { label: 'curl', store: 'os', variables: ['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: ['--cacert', '--capath'], ...OPENSSL },
  wget: { label: 'wget', store: 'os', variables: [], trustFlags: ['--ca-certificate', '--ca-directory'], stack: 'GnuTLS, checked by wget after the handshake', validates: 'after-handshake', unknownIssuerAlerts: [] },
  openssl: { label: 'openssl', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: ['-CAfile', '-CApath'], ...OPENSSL },
  gnutls: { label: 'gnutls-cli', store: 'os', variables: [], trustFlags: ['--x509cafile'], stack: 'GnuTLS', validates: 'in-handshake', unknownIssuerAlerts: [] },
  ruby: { label: 'Ruby', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: [], ...OPENSSL },
  php: { label: 'PHP', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: ['openssl.cafile'], ...OPENSSL },
  firefox: { label: 'Firefox', store: 'own', variables: [], trustFlags: [], stack: 'NSS', validates: 'in-handshake', unknownIssuerAlerts: ['unknown_ca'] },
  chromium: { label: 'Chromium-based app', store: 'own', variables: [], trustFlags: [], stack: 'BoringSSL', validates: 'in-handshake', unknownIssuerAlerts: [] },
  dotnet: { label: '.NET', store: 'os', variables: ['SSL_CERT_FILE', 'SSL_CERT_DIR'], trustFlags: [], stack: 'OpenSSL through .NET (checked after the handshake before .NET 10 on Linux)', validates: 'unknown', unknownIssuerAlerts: [] },
  unknown: { label: 'program', store: 'unknown', variables: [], trustFlags: [], stack: 'unknown', validates: 'unknown', unknownIssuerAlerts: [] },
};

/** Pure: what the judgement knows of a runtime's TLS stack (a recording carries only the runtime's name). */
export function runtimeTls(runtime: string): RuntimeTls {
  const facts = (TABLE as Readonly<Record<string, RuntimeTls | undefined>>)[runtime] ?? TABLE.unknown;
  return { stack: facts.stack, validates: facts.validates, unknownIssuerAlerts: facts.unknownIssuerAlerts };
}

function runtimeFacts(runtime: Runtime): RuntimeFacts {
  return { runtime, ...TABLE[runtime] };
}

/** Pure: the runtime a name says (`python3.11`, `java`, `node`, `curl`, …); null when the name says nothing. */
export function runtimeFromName(path: string | null, name: string): Runtime | null {
  const exe = basename(path ?? name).toLowerCase().replace(/\.exe$/, '');
  if (/^(node|nodejs|bun|deno)$/.test(exe)) return 'node';
  if (/^python[\d.]*m?$|^pypy/.test(exe)) return 'python';
  if (/^java$|^javaw$/.test(exe)) return 'java';
  if (/^(curl|wget|openssl|ruby|php)/.test(exe)) return exe.startsWith('php') ? 'php' : exe.startsWith('ruby') ? 'ruby' : (exe.match(/^(curl|wget|openssl)/)?.[1] as Runtime);
  if (/^gnutls-cli/.test(exe)) return 'gnutls';
  if (/^(firefox|firefox-esr|firefox-bin|thunderbird)$/.test(exe)) return 'firefox';
  if (/^(chrome|chromium|chromium-browser|google-chrome|msedge|electron|code|code-insiders|slack|discord|teams)$/.test(exe)) return 'chromium';
  if (/^dotnet$/.test(exe)) return 'dotnet';
  return null;
}

const GO_BUILDINFO = Buffer.from('\xff Go buildinf:', 'latin1');
const GO_NOTE_NAME = Buffer.from('Go\0\0', 'latin1');

/** An ELF note named "Go" of type 4 (the Go build ID): namesz 4, descsz, type 4, "Go\0\0" (little-endian). */
function hasGoBuildIdNote(head: Buffer): boolean {
  for (let at = head.indexOf(GO_NOTE_NAME); at >= 12; at = head.indexOf(GO_NOTE_NAME, at + 1)) {
    if (head.readUInt32LE(at - 12) === 4 && head.readUInt32LE(at - 4) === 4) return true;
  }
  return false;
}
const MAX_SCAN_BYTES = 256 * 1024 * 1024;
const goCache = new Map<string, boolean>();

/** Does the executable carry Go's build-info section? Read in chunks, cached by path, size and mtime. */
export async function isGoBinary(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return false;
  const key = `${path}:${info.size}:${info.mtimeMs}`;
  const known = goCache.get(key);
  if (known !== undefined) return known;
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return false;
  let found = false;
  try {
    // Fast path: the linker puts the `.note.go.buildid` ELF note (name "Go", type 4) in the first page,
    // while the build-info section sits after the code, megabytes in.
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead: headBytes } = await handle.read(head, 0, head.length, 0);
    found = hasGoBuildIdNote(head.subarray(0, headBytes));
    const chunk = Buffer.alloc(1024 * 1024);
    let carry = Buffer.alloc(0);
    for (let position = 0; position < Math.min(info.size, MAX_SCAN_BYTES) && !found;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      const window = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      found = window.includes(GO_BUILDINFO);
      carry = window.subarray(Math.max(0, window.length - GO_BUILDINFO.length));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  goCache.set(key, found);
  return found;
}

export async function detectRuntime(path: string | null, name: string): Promise<RuntimeFacts> {
  const named = runtimeFromName(path, name);
  if (named) return runtimeFacts(named);
  if (path && (await isGoBinary(path.replace(/ \(deleted\)$/, '')))) return runtimeFacts('go');
  return runtimeFacts('unknown');
}
