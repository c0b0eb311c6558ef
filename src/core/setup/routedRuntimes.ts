/** What a routed environment routes and trusts, and what it cannot: the banner, the docs and the hints. */

interface RoutedRuntime {
  readonly runtime: string;
  readonly routedBy: string;
}

const ROUTED_RUNTIMES: readonly RoutedRuntime[] = [
  {
    runtime: 'Node.js (http, https, fetch)',
    routedBy: 'NODE_USE_ENV_PROXY on 22.21+/24.5+, else the Pinscope preload in NODE_OPTIONS; NODE_EXTRA_CA_CERTS',
  },
  {
    runtime: 'Java, Kotlin, Gradle, Maven (HttpURLConnection, Apache/OkHttp with system properties)',
    routedBy: 'JAVA_TOOL_OPTIONS: proxy properties and a trust store of the public roots plus the CA',
  },
  {
    runtime: 'Python (requests, urllib, pip, httplib2)',
    routedBy: 'HTTPS_PROXY; REQUESTS_CA_BUNDLE, SSL_CERT_FILE, PIP_CERT, HTTPLIB2_CA_CERTS',
  },
  { runtime: 'Go (net/http)', routedBy: 'HTTPS_PROXY; SSL_CERT_FILE' },
  { runtime: 'curl, git', routedBy: 'HTTPS_PROXY; CURL_CA_BUNDLE, GIT_SSL_CAINFO' },
  { runtime: 'wget', routedBy: 'https_proxy; a Pinscope wgetrc (WGETRC)' },
  { runtime: 'Ruby (Net::HTTP)', routedBy: 'https_proxy; SSL_CERT_FILE' },
  { runtime: 'PHP (streams)', routedBy: 'a Pinscope ini (PHP_INI_SCAN_DIR) setting the default stream context and openssl.cafile' },
  { runtime: 'Deno, Cargo, npm, Yarn, AWS CLI, gcloud, gRPC, Nix, Bundler, Hex', routedBy: 'HTTPS_PROXY; their CA variables' },
];

export interface UnroutedRuntime {
  /** Command names that start it. */
  readonly commands: readonly string[];
  readonly runtime: string;
  readonly why: string;
  readonly fix: string;
}

const UNROUTED_RUNTIMES: readonly UnroutedRuntime[] = [
  {
    commands: ['dart', 'flutter'],
    runtime: 'Dart/Flutter HttpClient',
    why: 'ignores HTTPS_PROXY and the CA variables',
    fix: 'HttpClient()..findProxy = HttpClient.findProxyFromEnvironment, and SecurityContext.defaultContext.setTrustedCertificates(Platform.environment["NODE_EXTRA_CA_CERTS"]!)',
  },
  {
    commands: ['code', 'cursor', 'electron', 'slack', 'chromium', 'google-chrome'],
    runtime: 'Electron and Chromium apps',
    why: 'take their proxy from a command-line switch and their roots from the OS (NSS on Linux)',
    fix: 'start it with --proxy-server=<proxy URL> and trust the CA in the OS store (Export CA Certificate)',
  },
  // java.net.http.HttpClient, HttpURLConnection and OkHttp use the default ProxySelector, which reads the
  // https.proxyHost/Port properties (checked with Java 17); Apache HttpClient and Netty-based clients do not.
  {
    commands: ['java', 'gradle', 'mvn', './gradlew', './mvnw', 'kotlin'],
    runtime: 'Apache HttpClient (HttpClients.createDefault()) and Netty-based clients',
    why: "ignore the JVM's proxy properties",
    fix: 'HttpClients.createSystem() (or HttpClientBuilder.create().useSystemProperties()); for Reactor Netty, HttpClient.create().proxyWithSystemProperties()',
  },
];

export function unroutedRuntimeFor(commandLine: string): UnroutedRuntime | undefined {
  const program = commandLine.trim().split(/\s+/)[0]?.split('/').pop() ?? '';
  return UNROUTED_RUNTIMES.find((r) => r.commands.some((c) => c.split('/').pop() === program));
}

/** What the proxied terminal's banner lists (the extension words it, in the user's language). */
export function routedRuntimeNames(): { readonly routed: readonly string[]; readonly unrouted: readonly string[] } {
  return { routed: ROUTED_RUNTIMES.map((r) => r.runtime), unrouted: UNROUTED_RUNTIMES.map((r) => r.runtime) };
}
