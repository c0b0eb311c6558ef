/**
 * Hardening II (issue 23): a stalled server is not a pin, the evidence keeps the real chain, plain HTTP
 * leaves no origin sockets open, per-host state is bounded, hostile names stay out of reports, JA4 per
 * the spec, and the local files the proxy writes (key log, trust bundle) are its own.
 */
import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { readClientHello } from '../../../src/core/proxy/clientHello';
import { Engine } from '../../../src/core/engine';
import { buildExemptionRequest } from '../../../src/core/exemptions/exemptionRequest';
import { judgeAll, summariseHosts } from '../../../src/core/diagnosis/hostSummary';
import { renderSummaryMarkdown } from '../../../src/core/report/summaryMarkdown';
import type { ConnectionRecord, NewEvent } from '../../../src/core/timeline';
import { Diagnosis } from '../../../src/core/diagnosis/diagnosis';
import type { Verdict } from '../../../src/core/diagnosis/pinning';
import { captureClientHello } from '../../support/clientHellos';
import { curl, waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { openTunnel } from '../../support/proxyClient';
import { hello, JA4_APP, record, transcripts } from '../../support/transcripts';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'pinscope-hardening2-'));
const listenTcp = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const eventsOf = (r: { events: readonly object[] }): NewEvent[] => r.events.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 't')) as NewEvent);
// eslint-disable-next-line no-control-regex -- the point: no raw control characters in an output
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

describe('hardening II: truth', () => {
  let stall: Server;
  let midHello: Server;
  let engine: Engine;
  const held: Socket[] = [];
  before(async () => {
    stall = createTcpServer((socket) => { held.push(socket); socket.on('error', () => undefined); });
    // Reads the ClientHello, then sends the first bytes of a ServerHello and stops.
    midHello = createTcpServer((socket) => { held.push(socket); socket.on('error', () => undefined); socket.once('data', () => socket.write(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00]))); });
    const [stallPort, midPort] = [await listenTcp(stall), await listenTcp(midHello)];
    engine = await Engine.start({ caDir: join(tempDir(), 'ca'), handshakeTimeoutMs: 1000, hostOverrides: [`stall.ok.test=127.0.0.1:${stallPort}`, `midhello.ok.test=127.0.0.1:${midPort}`] });
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await engine.stop();
    stall.close();
    midHello.close();
  });

  for (const host of ['stall.ok.test', 'midhello.ok.test']) {
    it(`calls a server that stalls its handshake (${host}) upstream-failed, with no pinning judgement`, async () => {
      const judged = waitFor(() => engine.records().find((r) => r.finished && r.host === host), 10_000, host);
      await curl(engine.url, `https://${host}/`, ['--http1.1', '--cacert', engine.ca.certPath]);
      const finished = await judged;
      const verdict = await waitFor(() => engine.verdictOf(finished.id), 2000);
      assert.equal(verdict.category, 'upstream-failed', verdict.reason);
      assert.equal(verdict.pinning, 'unlikely');
      assert.match(verdict.reason, /timeout: the server did not finish its TLS handshake within 1000 ms/);
      assert.ok(!finished.events.some((e) => e.kind === 'timeout'), 'the client is not blamed');
      assert.ok(!engine.hosts().some((h) => h.breaks), 'not counted as breakage');
    });
  }
});

describe('hardening II: evidence and hostile text in reports', () => {
  const realCertificate = { subject: 'CN=bank.test', issuer: 'CN=Real CA', validFrom: '2026-01-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z', serialNumber: '01', pin: 'r3alPinBase64AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
  const exportOf = (format: string, records: ReturnType<typeof record>[], hosts: string[]): string => buildExemptionRequest({
    records, hosts, format, appName: 'App', appVersion: '1', environment: {}, wildcards: 'never',
  }).text;

  it('keeps the real chain when a later connection resumed (and so recorded no chain)', () => {
    const full = transcripts.closedAfterHandshake('bank.test');
    const resumedEvents = eventsOf(transcripts.closedAfterHandshake('bank.test')).map((e): NewEvent => (e.kind === 'upstream-tls' ? { ...e, chain: [], resumed: true } : e));
    const resumed = record('bank.test', resumedEvents, { startedAt: full.startedAt + 5000 });
    // The same client worked elsewhere, so the pin is likely and the host is requested (docs/judgement.md, L1a).
    const accepted = transcripts.ok('api.bank.test', JA4_APP);
    const csv = exportOf('report-csv', [accepted, full, resumed], ['bank.test']);
    assert.match(csv, /sha256\/r3alPinBase64/, csv);
    const markdown = exportOf('report-md', [accepted, full, resumed], ['bank.test']);
    assert.match(markdown, /Real server certificate chain[\s\S]*sha256\/r3alPinBase64/);
  });

  it('never groups by an invalid SNI, and escapes control characters in report-md, CSV and run --report', () => {
    const hostileSni = '\u001b]0;PWNED\u0007\u001b[2J\u0000.evil';
    const events = eventsOf(transcripts.closedAfterHandshake('ok.test')).map((e): NewEvent => {
      if (e.kind === 'client-hello') return { ...e, hello: hello(hostileSni, JA4_APP) };
      if (e.kind === 'upstream-tls') return { ...e, chain: [{ ...realCertificate, subject: 'CN=\u001b]0;PWNED\u0007\u0000' }] };
      return e;
    });
    const hostile = record('ok.test', events);
    const hosts = summariseHosts(judgeAll([hostile]));
    assert.deepEqual(hosts.map((h) => h.host), ['ok.test']);
    for (const format of ['report-md', 'report-csv']) {
      const text = exportOf(format, [hostile], ['ok.test']);
      assert.match(text, /ok\.test/);
      assert.doesNotMatch(text, RAW_CONTROL, `${format} carries raw control characters`);
    }
    const [first] = hosts;
    assert.ok(first);
    const summary = renderSummaryMarkdown([{ ...first, host: 'x\u001b[2J\u0000', evidence: ['e\u0007'] }], { command: 'curl \u001b]0;x\u0007' });
    assert.doesNotMatch(summary, RAW_CONTROL);
  });

  it('computes JA4\'s ALPN characters as the spec says (hex nibbles for non-alphanumeric values), on both read paths', async () => {
    for (const [alpn, expected] of [['=\u2026)', '39'], ['h2', 'h2'], ['http/1.1', 'h1'], ['a-', '6d']] as const) {
      const raw = await captureClientHello({ servername: 'ja4.example.test', ALPNProtocols: [alpn] });
      const framed = await readClientHello(Readable.from([]), raw);
      // Fed in small pieces, the hello is read by the library's stream reader instead.
      const pieces = Array.from({ length: Math.ceil(raw.length / 7) }, (_, i) => raw.subarray(i * 7, i * 7 + 7));
      const streamed = await readClientHello(Readable.from(pieces, { objectMode: false }), pieces[0]);
      assert.equal(framed.ja4.slice(8, 10), expected, `framed ${JSON.stringify(alpn)}: ${framed.ja4}`);
      assert.equal(streamed.ja4.slice(8, 10), expected, `streamed ${JSON.stringify(alpn)}: ${streamed.ja4}`);
    }
  });
});

describe('hardening II: resources', () => {
  let h: Harness;
  before(async () => { h = await startHarness({ handshakeTimeoutMs: 2000, maxConnectionsKept: 30 }); });
  after(async () => { await h.close(); });

  it('forwards plain HTTP without hop-by-hop headers and leaves no origin socket open', async () => {
    const open = new Set<Socket>();
    let lastHeaders: IncomingHttpHeaders = {};
    const origin = createHttpServer({ keepAliveTimeout: 60_000 }, (request, response) => {
      lastHeaders = request.headers;
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
      response.end('ok\n');
    });
    origin.on('connection', (socket: Socket) => { open.add(socket); socket.once('close', () => open.delete(socket)); });
    const port = await listenTcp(origin);
    try {
      const get = (): Promise<string> => new Promise((resolve) => {
        const socket = connectTcp(h.proxyPort, '127.0.0.1', () => socket.write(`GET http://127.0.0.1:${port}/p HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive, x-hop\r\nKeep-Alive: timeout=300\r\nX-Hop: secret\r\nTE: trailers\r\nX-End: kept\r\n\r\n`));
        let reply = '';
        socket.on('data', (chunk: Buffer) => {
          reply += chunk.toString('latin1');
          if (reply.endsWith('ok\n')) { socket.destroy(); resolve(reply); }
        });
        socket.on('error', () => resolve(reply));
      });
      for (let i = 0; i < 40; i++) assert.match(await get(), /^HTTP\/1\.1 200/);
      assert.equal(lastHeaders['x-end'], 'kept');
      for (const hop of ['keep-alive', 'x-hop', 'te', 'proxy-connection']) assert.equal(lastHeaders[hop], undefined, `${hop} is hop-by-hop`);
      await waitFor(() => (open.size <= 1 ? true : undefined), 5000, `origin sockets to close (${open.size} open)`);
    } finally {
      for (const socket of open) socket.destroy();
      origin.close();
    }
  });

  it('bounds per-host state (live hosts, peer context, confirmation entries) by the store\'s capacity', () => {
    // The diagnosis is fed recorded connections directly (the engine gives it the store's capacity).
    const capacity = h.engine.maxConnectionsKept;
    const diagnosis = new Diagnosis({ enabled: true, failuresBeforeTunnel: 5, expiryMs: 60_000 }, () => capacity);
    const feed = (finished: ConnectionRecord): Verdict => diagnosis.finished(finished, () => true);
    for (let i = 0; i < 300; i++) feed(transcripts.ok(`ok${i}.flood.test`, JA4_APP));
    for (let i = 0; i < 300; i++) feed(transcripts.alert(`broken${i}.flood.test`, 'bad_certificate', 'JA4_BROKEN_ONLY'));
    const pinned = feed(transcripts.alert('pinned.flood.test', 'bad_certificate', JA4_APP));
    const more = /accepted forged certificates from the same CA for [^ ]+, [^ ]+, [^ ]+ and (\d+) more/.exec(pinned.evidence.join(' '));
    assert.ok(more?.[1], pinned.evidence.join(' '));
    assert.ok(Number(more[1]) + 3 <= capacity, `the peer context holds ${Number(more[1]) + 3} hosts for one client, capacity ${capacity}`);
    assert.ok(diagnosis.liveHosts().length <= capacity, `${diagnosis.liveHosts().length} live host states`);
    assert.ok(diagnosis.confirmations().length <= capacity, `${diagnosis.confirmations().length} confirmation entries`);
  });
});

describe('hardening II: what the proxy relays to', () => {
  let h: Harness;
  let realHello: Buffer;
  before(async () => {
    h = await startHarness({ handshakeTimeoutMs: 3000, connectTimeoutMs: 1500, relayToLocalAddresses: false });
    realHello = await captureClientHello();
  });
  after(async () => { await h.close(); });

  it('when told not to (listening off loopback), refuses loopback, unspecified and link-local targets in every spelling', async () => {
    for (const target of ['127.0.0.1', '::1', '0.0.0.0', '2130706433', '0x7f000001', '127.1', 'localhost', '169.254.10.1']) {
      const socket = await openTunnel(h.proxyPort, target.includes(':') ? `[${target}]` : target, h.origin.port);
      socket.on('error', () => undefined);
      socket.write(realHello);
      const finished = await waitFor(() => h.engine.records().find((r) => r.finished && r.host === target), 8000, target);
      socket.destroy();
      const failed = finished.events.find((e) => e.kind === 'upstream-failed');
      assert.ok(failed && /refused: .*(loopback|unspecified|link-local)/.test(failed.reason), `${target}: ${JSON.stringify(finished.events)}`);
    }
    const plain = await curl(h.proxyUrl, `http://127.0.0.1:${h.origin.port}/`, ['-i']);
    assert.match(plain.stdout, /^HTTP\/1\.1 502[\s\S]*refused/);
    // Host overrides are the operator's own choice: *.example.test still reaches the local origin.
    assert.equal((await curl(h.proxyUrl, 'https://allowed.example.test/hello', ['--cacert', h.caFile])).code, 0);
  });

  it('never relays to its own port, even on loopback', async () => {
    const engine = await Engine.start({ caDir: join(tempDir(), 'ca') });
    try {
      const own = await curl(engine.url, `http://127.0.0.1:${engine.port}/x`, ['-i']);
      assert.match(own.stdout, /^HTTP\/1\.1 502[\s\S]*refused: .*own port/);
      const socket = await openTunnel(engine.port, 'localhost', engine.port);
      socket.on('error', () => undefined);
      socket.write(realHello);
      const finished = await waitFor(() => engine.records().find((r) => r.finished && r.mode === 'intercept'), 8000);
      socket.destroy();
      assert.ok(finished.events.some((e) => e.kind === 'upstream-failed' && /own port/.test(e.reason)), JSON.stringify(finished.events));
    } finally {
      await engine.stop();
    }
  });
});

describe('hardening II: local files', () => {
  it('refuses a key log that is a symbolic link, and writes a new one owner-only', async () => {
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n', { mode: 0o644 });
    const link = join(dir, 'k.log');
    symlinkSync(victim, link);
    await assert.rejects(Engine.start({ caDir: join(dir, 'ca'), keylogFile: link }), /key log .*symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(statSync(victim).mode & 0o777, 0o644);
    const fresh = join(dir, 'fresh.log');
    const loose = join(dir, 'loose.log');
    writeFileSync(loose, '', { mode: 0o644 });
    for (const file of [fresh, loose]) {
      const engine = await Engine.start({ caDir: join(dir, 'ca'), keylogFile: file });
      await engine.stop();
      assert.ok(existsSync(file) && !lstatSync(file).isSymbolicLink());
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
    }
    await assert.rejects(Engine.start({ caDir: join(dir, 'ca'), keylogFile: join(dir, 'missing', 'k.log') }), /key log .*ENOENT/);
  });

  it('takes only certificates from --upstream-ca files: a private key never reaches the trust bundle', async () => {
    const dir = tempDir();
    const origin = await startHarness();
    try {
      const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const mixed = join(dir, 'mixed.pem');
      writeFileSync(mixed, `${key}${origin.origin.caPem}`);
      const engine = await Engine.start({ caDir: join(dir, 'ca'), upstreamCaFiles: [mixed] });
      const bundle = readFileSync(engine.trustBundlePath, 'utf8');
      await engine.stop();
      assert.doesNotMatch(bundle, /PRIVATE KEY/);
      assert.ok(bundle.includes(origin.origin.caPem.trim().split('\n')[1] ?? 'x'), 'the certificate is still trusted');
      const keyOnly = join(dir, 'key.pem');
      writeFileSync(keyOnly, key);
      await assert.rejects(Engine.start({ caDir: join(dir, 'ca'), upstreamCaFiles: [keyOnly] }), /no certificate/);
    } finally {
      await origin.close();
    }
  });
});
