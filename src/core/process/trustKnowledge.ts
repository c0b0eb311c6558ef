/**
 * Trust knowledge per process: was this process told to trust the Pinscope CA, by the rules of its
 * runtime (its command line, the variables it honours, the OS store it uses)? And if not, which cause it
 * would be should it turn out not to trust the CA — the CA is not installed in the OS store it uses (a
 * test-setup gap), or it brings its own store (it breaks under real inspection too). A program can trust
 * a CA in its own code whatever its launch says: this is a hint the judgement weighs (docs/judgement.md),
 * never proof. Built from what the process was started with (its trust variables, read at accept time;
 * only "set / includes the CA" ever leaves this module), its arguments, its runtime, and the OS store.
 */
import { dirname, join } from 'node:path';
import { realpath } from 'node:fs/promises';
import { CaInclusionCache, LINUX_SYSTEM_BUNDLES, type Inclusion } from './caBundles';
import type { ProcessIdentity } from './processIdentity';
import { detectRuntime } from './runtimes';
import type { Runtime, RuntimeFacts, StoreUse } from '../record/runtimes';
import type { TrustVariableFact } from '../record/client';
import { PROXY_MARKER, SESSION_MARKER, type TrustEnvironment } from './trustEnvironment';

type TrustGap = 'ca-not-installed' | 'app-own-trust-store';

export interface TrustKnowledge {
  /** Started from a Pinscope terminal or `pinscope run` (null: its environment is not readable). */
  readonly startedByPinscope: boolean | null;
  readonly runtime: Runtime;
  readonly runtimeLabel: string;
  readonly store: StoreUse;
  readonly variables: readonly TrustVariableFact[];
  /** The OS store (Linux CA bundle) contains the CA; null when unknown (other platforms, unreadable). */
  readonly osStoreHasCa: Inclusion;
  /** Its launch tells it to trust the CA ('yes'), names stores without it ('no'), or cannot be read. */
  readonly trustsCa: 'yes' | 'no' | 'unknown';
  /** The cause, should it not trust the CA, when `trustsCa` is 'no'. */
  readonly gap: TrustGap | null;
  /** Sentences a developer acts on. */
  readonly evidence: readonly string[];
  readonly fix: string | null;
}

export interface TrustKnowledgeOptions {
  /** The Pinscope CA certificate, DER. */
  readonly caDer: Buffer;
  /** The value of PINSCOPE_SESSION in the environments this proxy hands out. */
  readonly sessionId?: string;
  /** The value of PINSCOPE_PROXY in those environments. */
  readonly proxyUrl?: string;
  readonly systemBundles?: readonly string[];
  readonly platform?: NodeJS.Platform;
}

const OS_STORE_TTL_MS = 30_000;
const FIX_TRUST_CA =
  'Trust the Pinscope CA in the OS store (Export CA Certificate), or start the program from a Pinscope terminal or `pinscope run`, then retry.';

type Verdict = Pick<TrustKnowledge, 'trustsCa' | 'gap' | 'evidence' | 'fix'>;

const yes = (why: string): Verdict => ({ trustsCa: 'yes', gap: null, evidence: [why], fix: null });
const unknown = (why: string): Verdict => ({ trustsCa: 'unknown', gap: null, evidence: [why], fix: null });
const no = (gap: TrustGap, why: string, fix: string): Verdict => ({ trustsCa: 'no', gap, evidence: [why], fix });

/** `-Djavax.net.ssl.trustStore=PATH` from Java options or arguments. */
function javaTrustStore(texts: readonly string[]): string | null {
  for (const text of texts) {
    const match = /-Djavax\.net\.ssl\.trustStore=("[^"]*"|\S+)/.exec(text);
    if (match?.[1]) return match[1].replace(/^"|"$/g, '');
  }
  return null;
}

export class TrustKnowledgeReader {
  private readonly inclusion: CaInclusionCache;
  private osStore: { at: number; answer: Promise<Inclusion> } | undefined;

  constructor(private readonly options: TrustKnowledgeOptions) {
    this.inclusion = new CaInclusionCache(options.caDer);
    // Read the OS store now, so that the first connection's trust is known within its deadline.
    void this.osStoreHasCa();
  }

  /** Is the CA in the OS trust store? Linux: the distribution's CA bundle; elsewhere unknown for now. */
  osStoreHasCa(now = Date.now()): Promise<Inclusion> {
    if (this.osStore && now - this.osStore.at < OS_STORE_TTL_MS) return this.osStore.answer;
    const answer = (async (): Promise<Inclusion> => {
      if ((this.options.platform ?? process.platform) !== 'linux') return null;
      for (const path of this.options.systemBundles ?? LINUX_SYSTEM_BUNDLES) {
        const found = await this.inclusion.file(path);
        if (found !== null) return found;
      }
      return null;
    })();
    this.osStore = { at: now, answer };
    return answer;
  }

  async assess(identity: ProcessIdentity, environment: TrustEnvironment): Promise<TrustKnowledge> {
    const facts = await detectRuntime(identity.path, identity.name);
    const osStoreHasCa = await this.osStoreHasCa();
    const variables = await this.variableFacts(facts, environment, identity.arguments);
    const startedByPinscope =
      environment === null
        ? null
        : (this.options.sessionId !== undefined && environment.get(SESSION_MARKER) === this.options.sessionId) ||
          (this.options.proxyUrl !== undefined && environment.get(PROXY_MARKER) === this.options.proxyUrl);
    const verdict =
      environment === null
        ? unknown(
            `Its environment cannot be read (another user's process?), so whether this ${facts.label} process was told to trust the CA is unknown.`,
          )
        : await this.judge(facts, identity, environment, variables, osStoreHasCa);
    return {
      startedByPinscope,
      runtime: facts.runtime,
      runtimeLabel: facts.label,
      store: facts.store,
      variables,
      osStoreHasCa,
      ...verdict,
    };
  }

  private async variableFacts(
    facts: RuntimeFacts,
    environment: TrustEnvironment,
    arguments_: readonly string[],
  ): Promise<TrustVariableFact[]> {
    const names = facts.variables.filter((name) => name !== 'JAVA_TOOL_OPTIONS');
    const out: TrustVariableFact[] = [];
    for (const name of names) {
      const value = environment?.get(name);
      out.push({ name, set: value !== undefined && value !== '', includesCa: value ? await this.inclusion.file(value) : null });
    }
    if (facts.runtime === 'java') {
      const options = ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', '_JAVA_OPTIONS'].map((name) => environment?.get(name) ?? '');
      const store = javaTrustStore(options);
      out.push({ name: 'JAVA_TOOL_OPTIONS trustStore', set: store !== null, includesCa: store ? await this.inclusion.file(store) : null });
      const onCommandLine = javaTrustStore([arguments_.join(' ')]);
      if (onCommandLine !== null)
        out.push({ name: 'command line trustStore', set: true, includesCa: await this.inclusion.file(onCommandLine) });
    }
    return out;
  }

  /**
   * What its launch says, per the rules of its runtime (docs/judgement.md, "What each runtime honours"):
   * `yes` when its command line or an environment variable it honours names a store that includes the CA
   * (or, with nothing set, the OS store it uses does); `no` when they name a store without it. Either is a
   * hint the judgement weighs, never proof: a program can trust a CA in its code whatever its launch says.
   */
  private async judge(
    facts: RuntimeFacts,
    identity: ProcessIdentity,
    environment: ReadonlyMap<string, string>,
    variables: readonly TrustVariableFact[],
    os: Inclusion,
  ): Promise<Verdict> {
    const variable = (name: string): TrustVariableFact | undefined => variables.find((v) => v.name === name);
    const what = `this ${facts.label} process`;
    const args = identity.arguments;
    if (facts.runtime === 'curl' && args.some((a) => a === '-k' || a === '--insecure'))
      return yes('It runs with --insecure: it accepts any certificate.');
    for (const flag of facts.trustFlags) {
      const path = flagValue(args, flag);
      if (path === null) continue;
      const included = await this.inclusion.file(path);
      if (included === true) return yes(`Its command line (${flag}) names a trust store that includes the Pinscope CA.`);
      if (included === false)
        return no(
          'app-own-trust-store',
          `Its command line (${flag}) names a trust store that lacks the Pinscope CA, in place of the OS store.`,
          `Point ${flag} at a bundle with the CA, or drop it so it uses the OS store.`,
        );
    }
    switch (facts.runtime) {
      case 'node': {
        const extra = variable('NODE_EXTRA_CA_CERTS');
        const flags = `${environment.get('NODE_OPTIONS') ?? ''} ${args.join(' ')}`;
        if (extra?.includesCa === true)
          return yes(`NODE_EXTRA_CA_CERTS is set and includes the Pinscope CA: ${what} was told to trust it.`);
        if (/--use-openssl-ca/.test(flags)) {
          const file = environment.get('SSL_CERT_FILE') ?? environment.get('SSL_CERT_DIR');
          const included = file ? await this.inclusion.file(file) : os;
          const where = file ? 'SSL_CERT_FILE/SSL_CERT_DIR' : 'the OS store';
          if (included === true) return yes(`It runs with --use-openssl-ca and ${where} includes the Pinscope CA.`);
          if (included === false)
            return no(
              file ? 'app-own-trust-store' : 'ca-not-installed',
              `It runs with --use-openssl-ca and ${where} does not include the Pinscope CA.`,
              FIX_TRUST_CA,
            );
          return unknown(`It runs with --use-openssl-ca; whether ${where} includes the CA is unknown here.`);
        }
        if (/--use-system-ca/.test(flags)) {
          if (os === true) return yes('It runs with --use-system-ca and the OS store includes the Pinscope CA.');
          return os === false
            ? no('ca-not-installed', 'It uses the OS store (--use-system-ca), which does not include the Pinscope CA.', FIX_TRUST_CA)
            : unknown('It uses the OS store, whose contents are unknown here.');
        }
        const why = extra?.set ? 'NODE_EXTRA_CA_CERTS is set but does not include the Pinscope CA' : 'NODE_EXTRA_CA_CERTS is not set';
        return no(
          'app-own-trust-store',
          `${capitalise(what)} was not told to trust the CA through its environment: ${why}, and Node uses its bundled roots, not the OS store.`,
          'Start it from a Pinscope terminal (or `pinscope run`), which sets NODE_EXTRA_CA_CERTS. Under real inspection it breaks the same way: ship it with --use-system-ca (Node 22.15+/23.8+) or NODE_EXTRA_CA_CERTS pointing at the company root.',
        );
      }
      case 'java': {
        const store =
          javaTrustStore([args.join(' ')]) !== null ? variable('command line trustStore') : variable('JAVA_TOOL_OPTIONS trustStore');
        if (store?.set) {
          if (store.includesCa === true) return yes('Its trust store (-Djavax.net.ssl.trustStore) includes the Pinscope CA.');
          if (store.includesCa === false)
            return no(
              'app-own-trust-store',
              'Its launch replaces the trust store (-Djavax.net.ssl.trustStore) with one that lacks the Pinscope CA.',
              'Import the CA into that trust store with keytool, or drop the option so Java uses its cacerts.',
            );
        }
        const cacerts = identity.path ? join(dirname(dirname(identity.path)), 'lib', 'security', 'cacerts') : null;
        const inCacerts = cacerts ? await this.inclusion.file(cacerts) : null;
        if (inCacerts === true) return yes("Java's cacerts includes the Pinscope CA.");
        if (inCacerts === null) return unknown('Java uses its own cacerts store, which could not be read.');
        // Debian and Ubuntu generate cacerts from the OS store (ca-certificates-java): there it is a setup gap.
        const managed = cacerts ? (await realpath(cacerts).catch(() => cacerts)).startsWith('/etc/ssl/certs/java') : false;
        return managed
          ? no(
              'ca-not-installed',
              "Java's cacerts (generated from the OS store here) does not include the Pinscope CA, and no -Djavax.net.ssl.trustStore points elsewhere.",
              "Trust the CA in the OS store (update-ca-certificates also updates Java's cacerts), then retry.",
            )
          : no(
              'app-own-trust-store',
              'Java uses its own cacerts store, not the OS store, and it does not include the Pinscope CA.',
              'Import the CA with `keytool -importcert -cacerts`, or run Java with -Djavax.net.ssl.trustStoreType=Windows-ROOT/KeychainStore (or a store built from the OS bundle); under real inspection it breaks the same way until it trusts the company root.',
            );
      }
      case 'python': {
        const file = variable('SSL_CERT_FILE')?.set ? variable('SSL_CERT_FILE') : variable('SSL_CERT_DIR');
        const requests = variable('REQUESTS_CA_BUNDLE')?.set ? variable('REQUESTS_CA_BUNDLE') : variable('CURL_CA_BUNDLE');
        const ssl = file?.set ? file.includesCa : os;
        const viaRequests = requests?.set ? requests.includesCa : null;
        if (ssl === true && viaRequests !== false)
          return yes(
            `${file?.set ? `${file.name} includes` : "The OS store, which Python's ssl module uses, includes"} the Pinscope CA${viaRequests === true ? `, and so does ${requests?.name ?? 'REQUESTS_CA_BUNDLE'} (requests)` : ''}.`,
          );
        if (viaRequests === true) return yes(`${requests?.name ?? 'REQUESTS_CA_BUNDLE'} includes the Pinscope CA (honoured by requests).`);
        if (ssl === false) {
          return file?.set
            ? no(
                'app-own-trust-store',
                `Its launch points ${file.name} at a bundle without the Pinscope CA, replacing the OS store.`,
                `Point ${file.name} at a bundle with the CA (a Pinscope terminal does), or unset it.`,
              )
            : no(
                'ca-not-installed',
                'Python was not told to trust the CA through its environment (SSL_CERT_FILE and REQUESTS_CA_BUNDLE are not set), and the OS store does not include it.',
                `${FIX_TRUST_CA} If it uses requests with pip's certifi, it ignores the OS store: set REQUESTS_CA_BUNDLE too.`,
              );
        }
        if (viaRequests === false)
          return no(
            'app-own-trust-store',
            `Its launch points ${requests?.name ?? 'REQUESTS_CA_BUNDLE'} at a bundle without the Pinscope CA.`,
            `Point ${requests?.name ?? 'REQUESTS_CA_BUNDLE'} at a bundle with the CA (a Pinscope terminal does), or unset it.`,
          );
        return unknown('Whether this Python process trusts the CA depends on its TLS library and could not be determined.');
      }
      case 'php': {
        const cafile = args.map((a) => /^(?:-d)?openssl\.cafile=(.+)$/.exec(a)?.[1]).find((v) => v !== undefined);
        if (cafile) {
          const included = await this.inclusion.file(cafile);
          if (included === true) return yes('Its command line (-d openssl.cafile=) names a bundle that includes the Pinscope CA.');
          if (included === false)
            return no(
              'app-own-trust-store',
              'Its command line (-d openssl.cafile=) names a bundle that lacks the Pinscope CA.',
              'Point openssl.cafile at a bundle with the CA, or drop it so PHP uses the OS store.',
            );
        }
        return this.osStoreVerdict(facts, variables, os);
      }
      case 'firefox':
      case 'chromium':
        return unknown(
          `${capitalise(facts.label)}s use their own certificate store (NSS profile or their root store), not the OS bundle: import the CA there to test.`,
        );
      case 'unknown':
        return unknown('Its runtime is not recognised, so where it takes its trusted roots from is unknown.');
      default:
        return this.osStoreVerdict(facts, variables, os);
    }
  }

  /** A runtime that uses the OS store unless a variable it honours points elsewhere. */
  private osStoreVerdict(facts: RuntimeFacts, variables: readonly TrustVariableFact[], os: Inclusion): Verdict {
    const what = `this ${facts.label} process`;
    const override = variables.find((v) => v.set);
    if (override?.includesCa === true) return yes(`${override.name} is set and includes the Pinscope CA.`);
    if (override?.includesCa === false)
      return no(
        'app-own-trust-store',
        `Its launch points ${override.name} at a bundle without the Pinscope CA, replacing the OS store.`,
        `Point ${override.name} at a bundle with the CA (a Pinscope terminal does), or unset it.`,
      );
    if (os === true) return yes(`${capitalise(what)} uses the OS store, which includes the Pinscope CA.`);
    const honoured = [...facts.variables, ...facts.trustFlags].join(', ') || 'none';
    if (os === false)
      return no(
        'ca-not-installed',
        `${capitalise(what)} uses the OS store, which does not include the Pinscope CA, and nothing it honours (${honoured}) points it elsewhere.`,
        FIX_TRUST_CA,
      );
    return unknown(`${capitalise(what)} uses the OS store, whose contents are unknown here.`);
  }
}

/** The value of a command-line option: `--flag value`, `--flag=value` (and `-CAfile value`). */
function flagValue(args: readonly string[], flag: string): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === flag) return args[i + 1] ?? null;
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return null;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
