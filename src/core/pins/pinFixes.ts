/**
 * The developer's own fix, per ecosystem: keep pinning in release builds while debug builds accept a
 * user-installed CA (so the app can be tested behind SSL inspection or Pinscope). Never a suggestion to
 * turn validation off in release.
 */
import type { Ecosystem, PinConfiguration } from './pinConfiguration';

export interface PinFix {
  readonly title: string;
  /** Text to paste, in the file's language. */
  readonly snippet: string;
  readonly documentation: string;
}

const FIXES: Readonly<Record<Ecosystem, PinFix>> = {
  android: {
    title: 'Trust user-installed CAs in debuggable builds only, with <debug-overrides> (release builds keep the pins)',
    snippet: `<debug-overrides>
    <trust-anchors>
        <certificates src="user" overridePins="true" />
        <certificates src="system" />
    </trust-anchors>
</debug-overrides>`,
    documentation: 'https://developer.android.com/privacy-and-security/security-config#TrustingDebugCa',
  },
  okhttp: {
    title:
      'Install the CertificatePinner in release builds only (debug builds then use the platform trust, which <debug-overrides> can extend)',
    snippet: `val builder = OkHttpClient.Builder()
if (!BuildConfig.DEBUG) {
    builder.certificatePinner(certificatePinner)
}
val client = builder.build()`,
    documentation: 'https://square.github.io/okhttp/features/https/#certificate-pinning-kt-java',
  },
  ios: {
    title: 'Keep NSPinnedDomains in the Release Info.plist only: give the Debug configuration its own INFOPLIST_FILE without it',
    snippet: `// Build Settings › Packaging › Info.plist File (INFOPLIST_FILE)
//   Debug:   App/Info-Debug.plist    (no NSPinnedDomains)
//   Release: App/Info.plist          (NSPinnedDomains unchanged)`,
    documentation: 'https://developer.apple.com/news/?id=g9ejcf8y',
  },
  trustkit: {
    title: 'Enforce TrustKit pins in release builds; in Debug report failures only (kTSKEnforcePinning)',
    snippet: `#if DEBUG
let enforcePinning = false   // Debug: report, accept the user-installed CA
#else
let enforcePinning = true
#endif
// in each pinned domain: kTSKEnforcePinning: enforcePinning`,
    documentation: 'https://github.com/datatheorem/TrustKit/blob/master/docs/getting-started.md',
  },
  alamofire: {
    title: 'Use the pinning evaluators in release builds only; Debug keeps the default evaluation (which trusts an installed CA)',
    snippet: `#if DEBUG
let evaluators: [String: ServerTrustEvaluating] = [:]
let manager = ServerTrustManager(allHostsMustBeEvaluated: false, evaluators: evaluators)
#else
let manager = ServerTrustManager(evaluators: pinnedEvaluators)
#endif`,
    documentation: 'https://github.com/Alamofire/Alamofire/blob/master/Documentation/AdvancedUsage.md#security',
  },
  flutter: {
    title: 'Apply the pinned SecurityContext / pinning checks in release mode only (kReleaseMode)',
    snippet: `import 'package:flutter/foundation.dart' show kReleaseMode;

final context = kReleaseMode ? pinnedContext() : SecurityContext.defaultContext;
final client = HttpClient(context: context);`,
    documentation: 'https://api.flutter.dev/flutter/foundation/kReleaseMode-constant.html',
  },
  'react-native': {
    title: 'Initialise pinning in release builds only (__DEV__ is true in debug bundles)',
    snippet: `if (!__DEV__) {
  await initializeSslPinning(pins);
}`,
    documentation: 'https://github.com/frw/react-native-ssl-public-key-pinning#usage',
  },
  node: {
    title: 'Keep the pinned `ca` in production; in development add the inspection CA explicitly next to it',
    snippet: `const ca = [pinnedCa];
if (process.env.NODE_ENV !== 'production' && process.env.DEV_EXTRA_CA) {
  ca.push(fs.readFileSync(process.env.DEV_EXTRA_CA));
}
const agent = new https.Agent({ ca });`,
    documentation: 'https://nodejs.org/api/tls.html#tlscreatesecurecontextoptions',
  },
  go: {
    title: 'Keep VerifyPeerCertificate in release; add the development CA to RootCAs in a `//go:build dev` file only',
    snippet: `//go:build dev

package client

func init() { devRoots = loadDevCA(os.Getenv("DEV_EXTRA_CA")) } // merged into tls.Config.RootCAs`,
    documentation: 'https://pkg.go.dev/crypto/tls#Config',
  },
  dotnet: {
    title: 'Keep the validation callback in Release; accept the development CA only under #if DEBUG',
    snippet: `#if DEBUG
handler.ServerCertificateCustomValidationCallback = (msg, cert, chain, errors) =>
    errors == SslPolicyErrors.None || DevCa.Validates(cert, chain);
#else
handler.ServerCertificateCustomValidationCallback = PinnedValidation.Check;
#endif`,
    documentation: 'https://learn.microsoft.com/dotnet/api/system.net.http.httpclienthandler.servercertificatecustomvalidationcallback',
  },
  java: {
    title: 'Keep the pinning TrustManager in release builds; in debug builds also trust a development CA keystore',
    snippet: `TrustManager[] managers = BuildConfig.DEBUG
    ? withDevelopmentCa(pinningTrustManager, devKeyStore)
    : new TrustManager[] { pinningTrustManager };`,
    documentation:
      'https://docs.oracle.com/en/java/javase/17/security/java-secure-socket-extension-jsse-reference-guide.html#GUID-7D9F43B8-AABF-4C5B-93E6-3AFB18B66150',
  },
  python: {
    title: 'Keep the pinned CA bundle in production; point development at a bundle that also holds the inspection CA',
    snippet: `CA_BUNDLE = DEV_CA_BUNDLE if settings.DEBUG else PINNED_CA_BUNDLE
session.verify = CA_BUNDLE`,
    documentation: 'https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification',
  },
};

export function fixFor(configuration: Pick<PinConfiguration, 'ecosystem' | 'debugAcceptsUserCa'>): PinFix {
  const fix = FIXES[configuration.ecosystem];
  if (configuration.ecosystem === 'android' && configuration.debugAcceptsUserCa) {
    return {
      ...fix,
      title: 'Debug builds already accept user-installed CAs (<debug-overrides>); test a debuggable build behind inspection',
    };
  }
  return fix;
}
