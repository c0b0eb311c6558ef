/**
 * Timelines as the proxy records them, for transcript tests ("given these events, this verdict") and
 * for rendering the inspector. Shapes follow what real clients produced (see test/core/proxy.test.ts).
 */
import type { ClientHelloSummary, TimelineEvent } from '../../src/shared/timelineEvents';
import type { Mode } from '../../src/shared/vocabulary';
import type { ConnectionRecord, NewEvent } from '../../src/core/timeline';
import { hostName } from '../../src/core/hostNames';

let nextId = 1;

export const JA4_CURL = 't13d3112h2_e8f1e7e78f70_6bebaf5329ac';
export const JA4_APP = 't13d1516h2_8daaf6152771_02713d6af862';

export function hello(sni: string | null, ja4 = JA4_CURL, alpn: string[] = ['h2', 'http/1.1']): ClientHelloSummary {
  return { sni, alpn, versions: ['TLSv1.3', 'TLSv1.2'], cipherSuites: [4866, 4867, 4865], ja3: '0123456789abcdef0123456789abcdef', ja4 };
}

/** A record from events given without times: each event 1.5 ms after the previous one. */
export function record(
  host: string,
  events: NewEvent[],
  options: { mode?: Mode; port?: number; startedAt?: number } = {},
): ConnectionRecord {
  const stamped: TimelineEvent[] = events.map((event, index) => ({ ...event, t: Math.round(index * 1.5 * 1000) / 1000 }));
  return {
    id: nextId++,
    startedAt: options.startedAt ?? Date.UTC(2026, 10, 26, 12, 0, 0) + nextId * 1000,
    host: hostName(host),
    port: options.port ?? 443,
    mode: options.mode ?? 'intercept',
    events: stamped,
    finished: true,
  };
}

const start = (host: string, port = 443): NewEvent[] => [
  { kind: 'accepted', remote: '127.0.0.1:50000' },
  { kind: 'connect', host, port },
  { kind: 'policy', mode: 'intercept', reason: 'intercepted by default' },
];
const upstreamOk = (): NewEvent[] => [
  { kind: 'upstream-connected', address: '127.0.0.1:9443' },
  {
    kind: 'upstream-tls',
    version: 'TLSv1.3',
    alpn: 'h2',
    chain: [
      {
        subject: 'CN=real',
        issuer: 'CN=Real CA',
        validFrom: '2026-01-01T00:00:00.000Z',
        validTo: '2027-01-01T00:00:00.000Z',
        serialNumber: '01',
        pin: 'r3alPinBase64AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
    ],
  },
];
const forged = (host: string): NewEvent => ({
  kind: 'forged-certificate',
  subject: `CN=${host}`,
  issuer: 'CN=Pinscope Inspection CA',
  pin: 'f0rgedPinAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  serialNumber: 'ab',
  cached: false,
});
const closed = (from = 0, to = 0): NewEvent => ({ kind: 'closed', bytesFromClient: from, bytesToClient: to });
/** A completed forged handshake (the client offered h2), then `after` and the close. */
const afterHandshake = (host: string, ja4: string, after: NewEvent[]): ReturnType<typeof record> =>
  record(host, [
    ...start(host),
    { kind: 'client-hello', hello: hello(host, ja4) },
    ...upstreamOk(),
    forged(host),
    { kind: 'handshake-complete', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'h2' },
    ...after,
    closed(),
  ]);

export const transcripts = {
  ok: (host: string, ja4 = JA4_CURL) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host, ja4) },
      ...upstreamOk(),
      forged(host),
      { kind: 'handshake-complete', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', alpn: 'h2' },
      { kind: 'first-data', from: 'client', bytes: 120 },
      { kind: 'first-data', from: 'upstream', bytes: 900 },
      { kind: 'fin', from: 'client' },
      { kind: 'fin', from: 'upstream' },
      closed(300, 2000),
    ]),
  alert: (host: string, name = 'unknown_ca', ja4 = JA4_CURL) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host, ja4) },
      ...upstreamOk(),
      forged(host),
      { kind: 'client-alert', name, code: name === 'unknown_ca' ? 48 : name === 'bad_certificate' ? 42 : 46, message: `alert ${name}` },
      closed(),
    ]),
  closedAfterHandshake: (host: string, ja4 = JA4_APP, how: 'fin' | 'close-notify' = 'close-notify') =>
    afterHandshake(host, ja4, [{ kind: how, from: 'client' }]),
  /** A close right after the handshake, then the client's kernel's reset: the server spoke first (HTTP/2 SETTINGS) and the client left those bytes unread. */
  closedThenReset: (host: string, ja4 = JA4_APP) =>
    afterHandshake(host, ja4, [
      { kind: 'first-data', from: 'upstream', bytes: 27 },
      { kind: 'close-notify', from: 'client' },
      { kind: 'rst', from: 'client' },
    ]),
  /** A reset after the handshake with no close before it. */
  resetAfterHandshake: (host: string, ja4 = JA4_APP) =>
    afterHandshake(host, ja4, [
      { kind: 'first-data', from: 'upstream', bytes: 27 },
      { kind: 'rst', from: 'client' },
    ]),
  finAfterFlight: (host: string, ja4 = JA4_APP) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host, ja4) },
      ...upstreamOk(),
      forged(host),
      { kind: 'fin', from: 'client' },
      closed(),
    ]),
  reset: (host: string, ja4 = JA4_APP) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host, ja4) },
      ...upstreamOk(),
      forged(host),
      { kind: 'rst', from: 'client' },
      closed(),
    ]),
  silence: (host: string, ja4 = JA4_APP) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host, ja4) },
      ...upstreamOk(),
      forged(host),
      { kind: 'timeout', phase: 'handshake' },
      closed(),
    ]),
  notTls: (host: string) =>
    record(
      host,
      [
        ...start(host),
        { kind: 'not-tls', firstBytes: '5353482d322e30', reason: 'the first byte is not a TLS handshake record (0x16)' },
        { kind: 'upstream-connected', address: '127.0.0.1:22' },
        { kind: 'first-data', from: 'client', bytes: 20 },
        closed(20, 0),
      ],
      { port: 22 },
    ),
  mismatch: (host: string) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host) },
      ...upstreamOk(),
      forged(host),
      { kind: 'client-alert', name: 'protocol_version', code: 70, message: 'alert protocol version' },
      closed(),
    ]),
  ourMismatch: (host: string) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host) },
      ...upstreamOk(),
      forged(host),
      { kind: 'tls-error', reason: 'no shared cipher', code: 'ERR_SSL_NO_SHARED_CIPHER' },
      closed(),
    ]),
  upstreamFailed: (host: string) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host) },
      { kind: 'upstream-failed', stage: 'dns', reason: `DNS lookup of ${host} failed (ENOTFOUND)` },
      closed(),
    ]),
  /** TLS 1.3: our side of the server's handshake completed, the client's request flowed, then the server's certificate_required alert. */
  clientCertificateRequired: (host: string, ja4 = JA4_CURL) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: hello(host, ja4) },
      ...upstreamOk(),
      forged(host),
      { kind: 'handshake-complete', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', alpn: 'h2' },
      { kind: 'first-data', from: 'client', bytes: 120 },
      {
        kind: 'upstream-failed',
        stage: 'client-certificate',
        reason:
          'the server requires a client certificate (mutual TLS): it sent a fatal certificate_required (116) alert when the proxy presented none',
      },
      { kind: 'fin', from: 'client' },
      closed(120, 0),
    ]),
  /** Under a profile without HTTP/2: the client offered `alpn`, the path withheld h2; then the client's bytes. */
  throughPath: (
    host: string,
    alpn: string[],
    options: { versions?: string[]; tlsVersions?: [string, string]; alpnWithheld?: string[]; negotiated?: string | null } = {},
  ) =>
    record(host, [
      ...start(host),
      { kind: 'client-hello', hello: { ...hello(host, JA4_APP, alpn), versions: options.versions ?? ['TLSv1.3', 'TLSv1.2'] } },
      ...upstreamOk(),
      {
        ...forged(host),
        path: {
          profile: 'zscaler-http1',
          chainLength: 2,
          tlsVersions: options.tlsVersions ?? ['TLSv1.2', 'TLSv1.3'],
          alpnWithheld: options.alpnWithheld ?? alpn.filter((p) => p === 'h2'),
        },
      } as NewEvent,
      { kind: 'handshake-complete', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: options.negotiated ?? null },
      { kind: 'first-data', from: 'client', bytes: 24 },
      { kind: 'fin', from: 'client' },
      closed(24, 0),
    ]),
  tunnelled: (host: string) =>
    record(
      host,
      [
        ...start(host).slice(0, 2),
        { kind: 'policy', mode: 'tunnel', reason: 'confirming by tunnelling' },
        { kind: 'upstream-connected', address: '127.0.0.1:443' },
        { kind: 'first-data', from: 'client', bytes: 517 },
        { kind: 'first-data', from: 'upstream', bytes: 4000 },
        closed(900, 5000),
      ],
      { mode: 'tunnel' },
    ),
};
