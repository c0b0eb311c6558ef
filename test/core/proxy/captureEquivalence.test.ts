/**
 * Capture changes no evidence: the same real clients through a proxy with capture off (0) and one with
 * the default on (64 KiB each way) leave records with the same client-side events and the same verdicts.
 *
 * A captured leg's TLSSocket runs over a RecordingTee instead of its own socket (legCapture.ts); what it
 * hears of the client (its alert, close_notify, FIN or RST, in that order) must be what it hears over the
 * socket. Compared: every event of the client's side in order (its hello, our certificate, the handshake,
 * its alert, close or reset, its first data, a TLS error, the end) and the verdict. Not compared: the
 * server's side and the relay's (the server's first data and FIN, a write to a client already gone), whose
 * place beside a closing client's events is a race with or without capture (curl --pinnedpubkey without
 * capture, 40 runs: three different orders). Processes are not attributed: whether a short-lived client's
 * process is found before its socket is gone is a race of its own (then the verdict's rung is P4, not P1).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { JudgedNotice } from '../../../src/core/session';
import { curl, runClient } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { httpGet, tlsThroughProxy } from '../../support/proxyClient';

/** A client run through the harness's proxy to `host`. */
type Client = (h: Harness, host: string) => Promise<unknown>;

const WRONG_PIN = 'sha256//YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=';

const opensslArgs = (h: Harness, host: string, extra: readonly string[]): string[] => [
  's_client',
  '-connect',
  `${host}:443`,
  '-proxy',
  `127.0.0.1:${h.proxyPort}`,
  '-servername',
  host,
  '-verify_return_error',
  '-brief',
  ...extra,
];

const python = (h: Harness, host: string, trust: boolean): Promise<unknown> => {
  const script = [
    'import socket, ssl, sys',
    `context = ssl.create_default_context(${trust ? `cafile=${JSON.stringify(h.caFile)}` : ''})`,
    `raw = socket.create_connection(('127.0.0.1', ${h.proxyPort}))`,
    `raw.sendall(b'CONNECT ${host}:443 HTTP/1.1\\r\\nHost: ${host}:443\\r\\n\\r\\n')`,
    'answer = b""',
    'while b"\\r\\n\\r\\n" not in answer: answer += raw.recv(1)',
    'try:',
    `    s = context.wrap_socket(raw, server_hostname='${host}')`,
    `    s.sendall(b'GET /hello HTTP/1.1\\r\\nHost: ${host}\\r\\nConnection: close\\r\\n\\r\\n')`,
    '    while s.recv(4096): pass',
    '    s.close()',
    'except ssl.SSLError as error:',
    '    sys.exit(3)',
  ].join('\n');
  return runClient('python3', ['-c', script]);
};

const CLIENTS: readonly (readonly [string, Client])[] = [
  [
    'curl --pinnedpubkey (close_notify after the handshake)',
    (h, host) => curl(h.proxyUrl, `https://${host}/hello`, ['--cacert', h.caFile, '--pinnedpubkey', WRONG_PIN]),
  ],
  ['curl trusting the CA (a request relayed)', (h, host) => curl(h.proxyUrl, `https://${host}/hello`, ['--cacert', h.caFile])],
  ['curl not trusting the CA (unknown_ca)', (h, host) => curl(h.proxyUrl, `https://${host}/hello`, [])],
  [
    'curl over TLS 1.2 with --pinnedpubkey',
    (h, host) => curl(h.proxyUrl, `https://${host}/hello`, ['--cacert', h.caFile, '--tls-max', '1.2', '--pinnedpubkey', WRONG_PIN]),
  ],
  ['openssl s_client rejecting the chain (unknown_ca)', (h, host) => runClient('openssl', opensslArgs(h, host, []), { input: '' })],
  [
    'openssl s_client trusting it and closing',
    (h, host) => runClient('openssl', opensslArgs(h, host, ['-CAfile', h.caFile]), { input: '' }),
  ],
  [
    'Node rejecting in checkServerIdentity (FIN after our flight)',
    (h, host) =>
      tlsThroughProxy(h.proxyPort, host, 443, {
        ca: readFileSync(h.caFile, 'utf8'),
        checkServerIdentity: () => new Error('pin mismatch'),
      }).then(
        (tls) => tls.destroy(),
        () => undefined,
      ),
  ],
  [
    'Node trusting the CA (a request relayed)',
    async (h, host) => {
      const tls = await tlsThroughProxy(h.proxyPort, host, 443, { ALPNProtocols: ['http/1.1'], ca: readFileSync(h.caFile, 'utf8') });
      return httpGet(tls, host, '/hello');
    },
  ],
  ['Python not trusting the CA', (h, host) => python(h, host, false)],
  ['Python trusting the CA (a request relayed)', (h, host) => python(h, host, true)],
];

/** The client's side of a record and its verdict: what must not depend on capture. */
function evidence(notice: JudgedNotice): { events: string[]; verdict: string } {
  const events = notice.record.events.flatMap((event) => {
    switch (event.kind) {
      case 'client-hello':
      case 'forged-certificate':
      case 'handshake-complete':
      case 'closed':
        return [event.kind];
      case 'client-alert':
        return [`client-alert ${event.name}`];
      case 'tls-error':
        return [`tls-error ${event.code ?? ''}`];
      case 'timeout':
        return [`timeout ${event.phase}`];
      case 'close-notify':
      case 'fin':
      case 'rst':
      case 'first-data':
        return event.from === 'client' ? [`${event.kind} client`] : [];
      default:
        return [];
    }
  });
  const { category, pinning, rung, cause, alert } = notice.verdict;
  return { events, verdict: JSON.stringify({ category, pinning, rung, cause, alert }) };
}

describe('capture changes no evidence', () => {
  let off: Harness;
  let on: Harness;
  before(async () => {
    off = await startHarness({ captureBytes: 0, attributeProcesses: false });
    on = await startHarness({ captureBytes: 65536, attributeProcesses: false });
  });
  after(async () => {
    await off.close();
    await on.close();
  });

  CLIENTS.forEach(([name, client], index) => {
    it(`${name}: the same record with capture off and on`, async () => {
      const host = `equal${index}.example.test`;
      await client(off, host);
      await client(on, host);
      const uncaptured = await off.connection(host);
      const captured = await on.connection(host);
      assert.equal(off.session.captureOf(uncaptured.record.id), undefined, 'capture off keeps nothing');
      assert.ok(
        on.session.captureOf(captured.record.id)?.legs.some((leg) => leg.events.length > 0),
        'capture on kept the legs',
      );
      assert.deepEqual(evidence(captured), evidence(uncaptured), `off: ${evidence(uncaptured).events.join(', ')}`);
    });
  });
});
