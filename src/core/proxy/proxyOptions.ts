/** What an InterceptingProxy is started with, its defaults, and the errors a start can end in. */
import type { ConnectionStore } from '../connectionStore';
import type { PolicyHook } from './hostPolicy';
import type { ClientCertificateOption } from './clientCertificates';

export interface ProxyOptions {
  readonly caDir: string;
  readonly host?: string;
  readonly port?: number;
  readonly handshakeTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly firstBytesTimeoutMs?: number;
  /** Client sockets open at once (the server's limit); not to be confused with `maxConnectionsKept`. */
  readonly maxOpenConnections?: number;
  /** Host patterns tunnelled untouched (the `pinscope.tunnelHosts` setting). */
  readonly tunnelHosts?: readonly string[];
  /** `PATTERN=ADDRESS[:PORT]` connections to reach instead of DNS (the `pinscope.hostOverrides` setting). */
  readonly hostOverrides?: readonly string[];
  readonly upstreamCaFiles?: readonly string[];
  /** The inspection profile (inspectionProfiles.ts): the chain, ALPN and TLS versions the client meets; default `generic`. */
  readonly inspectionProfile?: string;
  /** The organisation's inspection intermediate, for the `own-intermediate` profile. */
  readonly intermediateCa?: { readonly certFile: string; readonly keyFile: string } | null;
  /** The app's client certificates, presented to the servers whose host patterns they match (mutual TLS). */
  readonly clientCertificates?: readonly ClientCertificateOption[];
  readonly upstreamProxy?: string | null;
  readonly keylogFile?: string | null;
  /** Bytes kept of each direction of both legs of an intercepted connection, for pcapng exports (0: none; default 64 KiB). */
  readonly captureBytes?: number;
  /**
   * Relay to this machine's own addresses (loopback, unspecified, link-local). Default: only when
   * listening on loopback, where the user asking is on this machine anyway. Never to the proxy's own port.
   */
  readonly relayToLocalAddresses?: boolean;
  /** How many connection records are kept (the `pinscope.maxConnectionsKept` setting). */
  readonly maxConnectionsKept?: number;
  /** How long a client may take to send its request head (slowloris bound). */
  readonly headersTimeoutMs?: number;
  /** Consulted before the tunnel patterns for every host (e.g. confirmation by tunnelling). */
  readonly policyHook?: PolicyHook;
  /**
   * Name the process behind each connection from this machine (and whether it trusts the CA), looked up
   * as it is accepted (the `pinscope.attributeProcesses` setting, `--no-attribution`). Default on.
   */
  readonly attributeProcesses?: boolean;
  /** Records into this store (a session's, kept across restarts) instead of a new one. */
  readonly store?: ConnectionStore;
  /** Where internal errors go (never key material). */
  readonly onError?: (message: string) => void;
}

export const PROXY_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  connectTimeoutMs: 10_000,
  firstBytesTimeoutMs: 2_000,
  maxOpenConnections: 2_000,
  headersTimeoutMs: 10_000,
} as const;

export class ProxyStartError extends Error {
  override name = 'ProxyStartError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** An option value the proxy cannot use (a CA file without certificates, an unsafe key log path…): the caller's mistake. */
export class ProxyOptionError extends ProxyStartError {
  override name = 'ProxyOptionError';
}
