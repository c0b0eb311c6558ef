/**
 * The clients of the compatibility matrix: how each is run through the proxy, trusting the Pinscope CA
 * or not, and which TLS library it uses. What each does when it does not trust the CA was observed on
 * the wire first (see the README's "Client compatibility" section), then written here as expectations.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { runClient, type ClientResult } from '../support/clients';

export interface MatrixContext {
  readonly proxyPort: number;
  readonly caFile: string;
  readonly work: string;
  /** The Go program, built once. */
  readonly goBinary: string;
  /** Where Get.class was compiled, once. */
  readonly javaClasses: string;
  readonly clientsDir: string;
}

interface UntrustedSignal {
  readonly category: string;
  readonly alert: string | null;
}

export interface CompatClient {
  readonly name: string;
  /** The TLS library, with its version when the client reports it. */
  library(): Promise<string>;
  version(): Promise<string>;
  /** The HTTP version the trusted run must negotiate (ALPN as recorded by the proxy); null: none offered. */
  readonly alpn: 'h2' | 'http/1.1' | null;
  /** Why it cannot run here, or undefined. */
  unavailable?(): Promise<string | undefined>;
  run(trusted: boolean, url: string, context: MatrixContext): Promise<ClientResult>;
  readonly untrusted: UntrustedSignal;
  /** Browsers show an error page and exit 0: their exit code says nothing about the certificate. */
  readonly exitCodeIsResult?: false;
}

/** The first line of a command's output matching `pattern` (its first group), or '?'. */
async function reported(command: string, args: readonly string[], pattern: RegExp): Promise<string> {
  const result = await runClient(command, args, { timeoutMs: 20_000 });
  return pattern.exec(`${result.stdout}\n${result.stderr}`)?.[1] ?? '?';
}

const PROXY_ENV_KEYS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'NODE_EXTRA_CA_CERTS',
];

/** The test's environment without any proxy or trust setting, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of PROXY_ENV_KEYS) env[key] = undefined;
  return { ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)), ...extra };
}

const hostOf = (url: string): string => new URL(url).hostname;
const proxyUrl = (context: MatrixContext): string => `http://127.0.0.1:${context.proxyPort}`;

/**
 * gnutls-cli has no HTTP proxy support: a local port that CONNECTs through the proxy to `host:443` for
 * each connection, as proxychains or a corporate client connector would.
 */
async function connectShim(proxyPort: number, host: string): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(proxyPort, '127.0.0.1', () => upstream.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`));
    upstream.once('data', (head: Buffer) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 200')) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.pipe(upstream).pipe(client);
    });
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Chromium and Firefox both read trust from an NSS database; `certutil` (libnss3-tools) makes one. */
async function nssDatabase(dir: string, caFile: string | undefined): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const created = await runClient('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
  if (created.code !== 0) throw new Error(`certutil -N: ${created.stderr}`);
  if (caFile) {
    const added = await runClient('certutil', ['-A', '-d', `sql:${dir}`, '-t', 'C,,', '-n', 'Pinscope test CA', '-i', caFile]);
    if (added.code !== 0) throw new Error(`certutil -A: ${added.stderr}`);
  }
}

function majorMinor(version: string): string {
  return /^(\d+\.\d+)/.exec(version)?.[1] ?? version;
}

/** The OpenSSL version a client links, as "OpenSSL 3.0". */
const openssl = (text: string): string => `OpenSSL ${majorMinor(/OpenSSL[ /](\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1] ?? '?')}`;

export const CLIENTS: readonly CompatClient[] = [
  {
    name: 'Go net/http',
    version: async () => `Go ${majorMinor(await reported('go', ['version'], /go(\d+\.\d+)/))}`,
    library: () => Promise.resolve('Go crypto/tls'),
    alpn: 'h2',
    // Trusted: through `pinscope run`, which gives it SSL_CERT_FILE and HTTPS_PROXY (see the matrix test).
    run: (trusted, url, context) =>
      runClient(context.goBinary, [url], {
        env: cleanEnv({ HTTPS_PROXY: proxyUrl(context), ...(trusted ? { SSL_CERT_FILE: context.caFile } : {}) }),
      }),
    untrusted: { category: 'cert-rejected', alert: 'bad_certificate' },
  },
  {
    name: 'Chromium (headless)',
    version: async () => `Chromium ${await reported('chromium', ['--version'], /Chromium (\d+)/)}`,
    library: () => Promise.resolve('BoringSSL'),
    alpn: 'h2',
    run: async (trusted, url, context) => {
      const home = join(context.work, `chromium-${trusted ? 'trusted' : 'untrusted'}-${hostOf(url)}`);
      await nssDatabase(join(home, '.pki', 'nssdb'), trusted ? context.caFile : undefined);
      return runClient(
        'chromium',
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-features=NetworkPrediction,OptimizationHints,MediaRouter',
          `--user-data-dir=${join(home, 'profile')}`,
          `--proxy-server=${proxyUrl(context)}`,
          '--dump-dom',
          url,
        ],
        { env: cleanEnv({ HOME: home }), timeoutMs: 40_000 },
      );
    },
    untrusted: { category: 'cert-rejected', alert: 'certificate_unknown' },
    exitCodeIsResult: false,
  },
  {
    name: 'curl',
    version: async () => `curl ${majorMinor(await reported('curl', ['--version'], /^curl (\S+)/))}`,
    library: async () => openssl(await reported('curl', ['--version'], /^(curl .*)$/m)),
    alpn: 'h2',
    run: (trusted, url, context) =>
      runClient(
        'curl',
        ['-sS', '--max-time', '15', '--noproxy', '', '-x', proxyUrl(context), ...(trusted ? ['--cacert', context.caFile] : []), url],
        { env: cleanEnv() },
      ),
    untrusted: { category: 'cert-rejected', alert: 'unknown_ca' },
  },
  {
    name: 'wget',
    version: async () => `wget ${majorMinor(await reported('wget', ['--version'], /GNU Wget (\S+)/))}`,
    library: async () =>
      (await reported('wget', ['--version'], /(\+ssl\/\w+)/)) === '+ssl/gnutls'
        ? `GnuTLS ${majorMinor(await reported('gnutls-cli', ['--version'], /gnutls-cli (\S+)/))}`
        : 'OpenSSL',
    alpn: null,
    run: (trusted, url, context) =>
      runClient(
        'wget',
        [
          '-q',
          '-O',
          '-',
          '--tries=1',
          '--timeout=15',
          '-e',
          'use_proxy=yes',
          '-e',
          `https_proxy=${proxyUrl(context)}`,
          ...(trusted ? [`--ca-certificate=${context.caFile}`] : []),
          url,
        ],
        { env: cleanEnv() },
      ),
    untrusted: { category: 'reset', alert: null },
  },
  {
    name: 'gnutls-cli',
    version: async () => `gnutls-cli ${majorMinor(await reported('gnutls-cli', ['--version'], /gnutls-cli (\S+)/))}`,
    library: async () => `GnuTLS ${majorMinor(await reported('gnutls-cli', ['--version'], /gnutls-cli (\S+)/))}`,
    alpn: 'h2',
    run: async (trusted, url, context) => {
      const host = hostOf(url);
      const shim = await connectShim(context.proxyPort, host);
      try {
        const args = [
          '--sni-hostname',
          host,
          '--verify-hostname',
          host,
          '--alpn',
          'h2',
          '--alpn',
          'http/1.1',
          '-p',
          String((shim.address() as AddressInfo).port),
          ...(trusted ? ['--x509cafile', context.caFile] : []),
          '127.0.0.1',
        ];
        return await runClient('gnutls-cli', args, {
          input: `GET /hello HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
          env: cleanEnv(),
          timeoutMs: 20_000,
        });
      } finally {
        shim.close();
      }
    },
    untrusted: { category: 'cert-rejected', alert: 'bad_certificate' },
  },
  {
    name: 'openssl s_client',
    version: async () =>
      majorMinor(await reported('openssl', ['version'], /^(OpenSSL \S+)/)).replace(/^OpenSSL (\d+\.\d+).*/, 'OpenSSL $1'),
    library: async () => openssl(await reported('openssl', ['version'], /^(OpenSSL \S+)/)),
    alpn: 'http/1.1',
    run: (trusted, url, context) =>
      runClient(
        'openssl',
        [
          's_client',
          '-connect',
          `${hostOf(url)}:443`,
          '-proxy',
          `127.0.0.1:${context.proxyPort}`,
          '-servername',
          hostOf(url),
          '-verify_return_error',
          '-verify_hostname',
          hostOf(url),
          '-alpn',
          'http/1.1',
          '-ign_eof',
          '-brief',
          ...(trusted ? ['-CAfile', context.caFile] : []),
        ],
        { input: `GET /hello HTTP/1.1\r\nHost: ${hostOf(url)}\r\nConnection: close\r\n\r\n`, env: cleanEnv() },
      ),
    untrusted: { category: 'cert-rejected', alert: 'unknown_ca' },
  },
  {
    name: 'Python urllib',
    version: async () => `Python ${majorMinor(await reported('/usr/bin/python3', ['--version'], /Python (\S+)/))}`,
    library: async () => openssl(await reported('/usr/bin/python3', ['-c', 'import ssl; print(ssl.OPENSSL_VERSION)'], /^(.*)$/m)),
    // urllib offers no ALPN.
    alpn: null,
    run: (trusted, url, context) =>
      runClient('/usr/bin/python3', [join(context.clientsDir, 'get.py'), url, ...(trusted ? [context.caFile] : [])], {
        env: cleanEnv({ HTTPS_PROXY: proxyUrl(context) }),
      }),
    untrusted: { category: 'cert-rejected', alert: 'unknown_ca' },
  },
  {
    name: 'Java java.net.http',
    version: async () => `Java ${await reported('java', ['-version'], /version "(\d+)/)}`,
    library: async () => `JSSE (Java ${await reported('java', ['-version'], /version "(\d+)/)})`,
    alpn: 'h2',
    run: (trusted, url, context) =>
      runClient('java', ['-cp', context.javaClasses, 'Get', url, String(context.proxyPort), ...(trusted ? [context.caFile] : [])], {
        env: cleanEnv(),
        timeoutMs: 40_000,
      }),
    // java.net.http (SSLEngine) closes with a FIN and no alert, unlike HttpsURLConnection's certificate_unknown (test/cli).
    untrusted: { category: 'closed-after-handshake', alert: null },
  },
  {
    name: 'Node http2',
    version: () => Promise.resolve(`Node ${majorMinor(process.versions.node)}`),
    library: () => Promise.resolve(`OpenSSL ${majorMinor(process.versions.openssl)}`),
    alpn: 'h2',
    run: (trusted, url, context) =>
      runClient(
        process.execPath,
        [join(context.clientsDir, 'get_h2.js'), url, String(context.proxyPort), ...(trusted ? [context.caFile] : [])],
        { env: cleanEnv() },
      ),
    // TLS 1.3: no alert and no Finished, just a FIN after the server's flight (see the TLS failure notes).
    untrusted: { category: 'closed-after-handshake', alert: null },
  },
  {
    name: 'Ruby Net::HTTP',
    version: async () => `Ruby ${majorMinor(await reported('ruby', ['-v'], /ruby (\S+)/))}`,
    library: async () => openssl(await reported('ruby', ['-ropenssl', '-e', 'puts OpenSSL::OPENSSL_LIBRARY_VERSION'], /^(.*)$/m)),
    alpn: null,
    run: (trusted, url, context) =>
      runClient('ruby', [join(context.clientsDir, 'get.rb'), url, String(context.proxyPort), ...(trusted ? [context.caFile] : [])], {
        env: cleanEnv(),
      }),
    untrusted: { category: 'cert-rejected', alert: 'unknown_ca' },
  },
  {
    name: 'PHP streams',
    version: async () => `PHP ${majorMinor(await reported('php', ['-v'], /PHP (\S+)/))}`,
    library: async () => openssl(await reported('php', ['-r', 'echo OPENSSL_VERSION_TEXT;'], /^(.*)$/m)),
    alpn: null,
    run: (trusted, url, context) =>
      runClient('php', [join(context.clientsDir, 'get.php'), url, String(context.proxyPort), ...(trusted ? [context.caFile] : [])], {
        env: cleanEnv(),
      }),
    untrusted: { category: 'cert-rejected', alert: 'unknown_ca' },
  },
  {
    name: 'Firefox ESR (headless)',
    version: async () => `Firefox ${await reported('firefox-esr', ['--version'], /Firefox (\d+)/)} ESR`,
    library: () => Promise.resolve('NSS'),
    alpn: 'h2',
    run: async (trusted, url, context) => {
      const profile = join(context.work, `firefox-${trusted ? 'trusted' : 'untrusted'}`);
      await nssDatabase(profile, trusted ? context.caFile : undefined);
      writeFileSync(join(profile, 'user.js'), firefoxPrefs(context.proxyPort));
      return runClient('firefox-esr', ['--headless', '--no-remote', '--profile', profile, '--screenshot', join(profile, 'page.png'), url], {
        env: cleanEnv({ HOME: profile, MOZ_CRASHREPORTER_DISABLE: '1' }),
        timeoutMs: 60_000,
      });
    },
    untrusted: { category: 'cert-rejected', alert: 'unknown_ca' },
    exitCodeIsResult: false,
  },
];

/** Firefox preferences: only the page through the proxy, none of its background traffic. */
function firefoxPrefs(port: number): string {
  const prefs: Record<string, string | number | boolean> = {
    'network.proxy.type': 1,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': port,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': port,
    'network.proxy.allow_hijacking_localhost': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'app.update.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'extensions.update.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'security.OCSP.enabled': 0,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.http.speculative-parallel-limit': 0,
    'security.remote_settings.crlite_filters.enabled': false,
    'services.settings.server': 'http://127.0.0.1:1/',
    'browser.startup.homepage_override.mstone': 'ignore',
    'security.enterprise_roots.enabled': false,
  };
  return Object.entries(prefs)
    .map(([key, value]) => `user_pref(${JSON.stringify(key)}, ${JSON.stringify(value)});\n`)
    .join('');
}

/** Builds the Go program once (the standard library comes precompiled with golang-go). */
export function buildGo(source: string, output: string, cache: string): Promise<ClientResult> {
  return new Promise((resolve) => {
    execFile(
      'go',
      ['build', '-o', output, source],
      { env: cleanEnv({ GOCACHE: cache, GOFLAGS: '-mod=mod', GO111MODULE: 'off', HOME: cache }), timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? 1 : 0, stdout, stderr });
      },
    );
  });
}
