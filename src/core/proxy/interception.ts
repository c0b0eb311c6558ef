/**
 * One CONNECT tunnel: read the first bytes, then either relay untouched (tunnel, not TLS) or intercept:
 * handshake with the real server and, once the server's ALPN choice is known (often before the server
 * answers, see protocol/alpnPlan.ts), with the client using a forged certificate (forgedHandshake.ts), then
 * relay. Every step lands on the connection's timeline.
 */
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readClientHello, TLS_HANDSHAKE_RECORD } from './protocol/clientHello';
import type { ConnectionRecorder } from '../connectionStore';
import type { ForgedCertificates } from '../pki/forgedCertificates';
import { offeredThroughPath, type InspectionProfile } from '../pki/inspectionProfiles';
import type { InspectionPathSummary } from '../../shared/timelineEvents';
import { serveForgedCertificate, type UpstreamOutcome } from './forgedHandshake';
import type { RawAccounting } from './protocol/clientEnding';
import { sameOffer, type AlpnMemory } from './protocol/alpnPlan';
import type { HostPolicy } from './hostPolicy';
import { firstSpeaker, waitForFirstBytes } from './firstBytes';
import { FLIGHT_HOLD_MS, failUpstream, relayRaw, tunnelRaw } from './rawTunnel';
import {
  connectUpstream,
  directPath,
  handshakeUpstream,
  refusedLiteral,
  type UpstreamConfig,
  type UpstreamPath,
  type UpstreamTls,
} from './upstream';
import { recordUpstreamFailure, UpstreamFailure } from './upstreamFailures';
import { errorMessage } from '../errors';
import { HOSTNAME, usableSni, type HostName } from '../hostNames';
import { isCaptured, serverLeg, type LegCaptures } from './legCapture';

export interface InterceptionContext {
  readonly certificates: ForgedCertificates;
  /** The inspection profile whose path the client meets: its ALPN protocols and TLS versions (the chain is in `certificates`). */
  readonly profile?: InspectionProfile | undefined;
  readonly policy: HostPolicy;
  readonly upstream: UpstreamConfig;
  /** The servers' ALPN choices, so that later clients' handshakes need not wait for the server's. */
  readonly alpn: AlpnMemory;
  /** Changeable while running (a setting applied live). */
  handshakeTimeoutMs: number;
  readonly firstBytesTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keylog: ((line: Buffer) => void) | undefined;
  /** The first bytes of both legs, per connection, for pcapng exports (legCapture.ts); undefined when off. */
  readonly capture: LegCaptures | undefined;
  /** The server sides being relayed: closed by the proxy's stop, so that every relayed connection is finished and recorded. */
  readonly relayedUpstreams: Set<Duplex>;
}

export async function handleTunnel(
  context: InterceptionContext,
  client: Socket,
  host: HostName,
  port: number,
  recorder: ConnectionRecorder,
  tunnelStart = 0,
): Promise<void> {
  const decision = context.policy.modeFor(host);
  recorder.record.mode = decision.mode;
  recorder.add({ kind: 'policy', mode: decision.mode, reason: decision.reason });
  // A tunnelled host is connected to at once: its protocol may be one where the server speaks first.
  if (decision.mode === 'tunnel') return tunnelRaw(context, client, host, port, recorder);
  // Forge the CONNECT host's leaf and ready its TLS context while the client is still sending its
  // ClientHello (the SNI is nearly always the same host; otherwise the SNI's leaf is forged later).
  if (!isIP(host) && HOSTNAME.test(host)) context.certificates.prepare(host);
  const first = await waitForFirstBytes(client, Math.min(context.firstBytesTimeoutMs, context.handshakeTimeoutMs));
  if (first.kind === 'end' || first.kind === 'error') {
    recorder.add(
      first.kind === 'end'
        ? { kind: 'fin', from: 'client' }
        : first.error.code === 'ECONNRESET'
          ? { kind: 'rst', from: 'client' }
          : { kind: 'error', reason: first.error.message },
    );
    client.destroy();
    recorder.finish(0, 0);
    return;
  }
  if (first.kind === 'timeout') return afterSilence(context, client, host, port, recorder, tunnelStart);
  if (first.chunk[0] !== TLS_HANDSHAKE_RECORD) {
    recorder.add({
      kind: 'not-tls',
      firstBytes: first.chunk.subarray(0, 16).toString('hex'),
      reason: 'the first byte is not a TLS handshake record (0x16)',
    });
    return tunnelRaw(context, client, host, port, recorder);
  }
  return interceptOrRecord(context, { client, host, port, recorder, firstBytes: first.chunk }, tunnelStart);
}

async function interceptOrRecord(context: InterceptionContext, tunnel: InterceptedTunnel, tunnelStart: number): Promise<void> {
  const { client, recorder, firstBytes } = tunnel;
  try {
    await intercept(context, tunnel, { tunnelStart, helloRecordBytes: 5 + (firstBytes.length >= 5 ? firstBytes.readUInt16BE(3) : 0) });
  } catch (error) {
    // Nothing is lost: an unexpected failure still ends the timeline, with its reason.
    recorder.add({ kind: 'error', reason: `interception failed: ${errorMessage(error)}` });
    client.destroy();
    recorder.finish(0, 0);
  }
}

/**
 * The client sent nothing within the first-bytes wait. The server is connected, and whoever speaks first
 * decides: the server (its banner) or any bytes but a TLS handshake from the client → relayed untouched,
 * as a server-speaks-first protocol; a late ClientHello → intercepted after all (the connection made to
 * listen for a banner is closed unused). A slow client is still inspected: its silence proves nothing.
 */
async function afterSilence(
  context: InterceptionContext,
  client: Socket,
  host: HostName,
  port: number,
  recorder: ConnectionRecorder,
  tunnelStart: number,
): Promise<void> {
  // What the client sends while the server is being connected stays in its socket (see firstSpeaker).
  client.pause();
  const silence = (): void => recorder.add({ kind: 'timeout', phase: 'first-bytes' });
  let upstream;
  try {
    upstream = await connectUpstream(host, port, context.upstream);
  } catch (error) {
    silence();
    return failUpstream(client, recorder, error);
  }
  // Closed by the proxy's stop, as a relayed server's side is: the wait ends and the connection is recorded.
  context.relayedUpstreams.add(upstream.socket);
  const first = client.destroyed ? undefined : await firstSpeaker(client, upstream.socket, context.idleTimeoutMs);
  context.relayedUpstreams.delete(upstream.socket);
  if (first?.from === 'client' && first.chunk[0] === TLS_HANDSHAKE_RECORD) {
    upstream.socket.destroy();
    return interceptOrRecord(context, { client, host, port, recorder, firstBytes: first.chunk }, tunnelStart);
  }
  if (!first || (first.from === 'neither' && first.side === 'client')) {
    // The client left without a word: recorded as if it had left during the wait.
    recorder.add(first?.error?.code === 'ECONNRESET' ? { kind: 'rst', from: 'client' } : { kind: 'fin', from: 'client' });
    upstream.socket.destroy();
    client.destroy();
    return recorder.finish(0, 0);
  }
  silence();
  recorder.add({
    kind: 'not-tls',
    firstBytes: first.from === 'client' ? first.chunk.subarray(0, 16).toString('hex') : '',
    reason:
      first.from === 'client'
        ? `the client sent nothing for ${context.firstBytesTimeoutMs} ms, then bytes that are not a TLS handshake record (0x16)`
        : `the client sent nothing for ${context.firstBytesTimeoutMs} ms; relayed as a server-speaks-first protocol`,
  });
  recorder.add({ kind: 'upstream-connected', address: upstream.address });
  if (first.from === 'neither') {
    // The server left (or the proxy stopped) before a word, or neither spoke for the idle timeout.
    recorder.add(
      first.side === 'idle'
        ? { kind: 'timeout', phase: 'idle' }
        : first.error?.code === 'ECONNRESET'
          ? { kind: 'rst', from: 'upstream' }
          : { kind: 'fin', from: 'upstream' },
    );
    upstream.socket.destroy();
    client.destroy();
    return recorder.finish(0, 0);
  }
  relayRaw(context, client, upstream.socket, recorder);
}

/**
 * The server's side, made once the ClientHello is read: a connection of its own (its reads make no
 * garbage, see UpstreamReads), or TLS over a TCP path opened first (the upstream proxy's CONNECT, or a
 * connection whose bytes are captured). That path's opening is not waited for here: the forged flight
 * need not wait for the round trip to the server (or the upstream proxy), and failing to open it is the
 * server side's outcome, as a failed handshake is.
 */
function upstreamPath(
  context: InterceptionContext,
  { client, host, port, recorder }: InterceptedTunnel,
): UpstreamPath | Promise<UpstreamPath> {
  if (!context.upstream.proxy && !isCaptured(client))
    return directPath(host, port, context.upstream, (address) => recorder.add({ kind: 'upstream-connected', address }));
  const opened = connectUpstream(host, port, context.upstream).then((raw): UpstreamPath => {
    recorder.add({ kind: 'upstream-connected', address: raw.address });
    return { kind: 'socket', ...raw, socket: serverLeg(client, raw.socket) };
  });
  // Its failure is taken where the server's side starts, maybe a turn later: never unhandled meanwhile.
  opened.catch(() => undefined);
  return opened;
}

interface InterceptedTunnel {
  readonly client: Socket;
  readonly host: string;
  readonly port: number;
  readonly recorder: ConnectionRecorder;
  /** What the client sent first (still in the socket): usually the whole ClientHello. */
  readonly firstBytes: Buffer;
}

async function intercept(context: InterceptionContext, tunnel: InterceptedTunnel, accounting: RawAccounting): Promise<void> {
  const { client, host, port, recorder } = tunnel;
  // Whose silence ends the handshake: while the real server's side is still running, the stall is the
  // server's (upstream-failed, no pinning judgement), never the client's.
  let upstreamRunning = false;
  const handshakeDeadline = setTimeout(() => {
    if (upstreamRunning)
      recordUpstreamFailure(
        recorder,
        new UpstreamFailure('timeout', `the server did not finish its TLS handshake within ${context.handshakeTimeoutMs} ms`),
      );
    else recorder.add({ kind: 'timeout', phase: 'handshake' });
    client.destroy();
    recorder.finish(0, 0);
  }, context.handshakeTimeoutMs);
  const clientGone = (): boolean => client.destroyed;
  let hello;
  try {
    hello = await readClientHello(client, tunnel.firstBytes);
  } catch (error) {
    clearTimeout(handshakeDeadline);
    if (clientGone()) return recorder.finish(0, 0);
    recorder.add({ kind: 'not-tls', firstBytes: '', reason: `malformed ClientHello: ${errorMessage(error)}` });
    return tunnelRaw(context, client, host, port, recorder);
  }
  recorder.add({ kind: 'client-hello', hello });
  // Before either leg's TLS is made: a leg's sockets are wrapped for capture as its TLSSocket is made.
  const deciding = context.capture?.consider(recorder, client);
  if (deciding) await deciding;
  if (deciding && clientGone()) {
    clearTimeout(handshakeDeadline);
    return recorder.finish(0, 0);
  }
  // The SNI came off the network: only a well-formed host name is used for the upstream and the certificate.
  const sni = usableSni(hello.sni);
  if (hello.sni !== null && sni === null)
    recorder.add({ kind: 'error', reason: 'the SNI is not a valid host name; using the CONNECT host instead' });
  const servername = sni ?? (isIP(host) ? null : host.toLowerCase());
  const leafHost = sni ?? host.toLowerCase();
  // A profile's path offers the client only its own ALPN protocols: the others are withheld (stripped).
  const { offer, withheld } = context.profile ? offeredThroughPath(context.profile, hello.alpn) : { offer: hello.alpn, withheld: [] };
  const inspectionPath: InspectionPathSummary | undefined =
    context.profile && context.profile.id !== 'generic'
      ? {
          profile: context.profile.id,
          chainLength: context.certificates.chainLength,
          tlsVersions: [context.profile.tlsVersions.min, context.profile.tlsVersions.max],
          alpnWithheld: withheld,
        }
      : undefined;
  upstreamRunning = true;
  const refused = refusedLiteral(host, port, context.upstream);
  if (refused) {
    failUpstream(client, recorder, refused);
    return clearTimeout(handshakeDeadline);
  }
  const path = upstreamPath(context, tunnel);
  const plan = context.alpn.plan(leafHost, offer);
  const clientCertificate = context.upstream.clientCertificates?.forHost(servername ?? host);
  // The server refused the session after its handshake: the client's side ends too, whether or not it is relaying yet.
  const onClientCertificateRefusal = (reason: string): void => {
    recorder.add({ kind: 'upstream-failed', stage: 'client-certificate', reason });
    client.destroy();
  };
  const handshake = (ready: UpstreamPath): Promise<UpstreamTls> =>
    handshakeUpstream(ready, {
      servername,
      alpn: plan.upstreamOffer,
      secureContext: context.upstream.secureContext,
      timeoutMs: context.handshakeTimeoutMs,
      chains: context.upstream.chains,
      sessions: context.upstream.sessions,
      clientCertificate,
      onClientCertificateRefusal,
    });
  const startUpstream = (): Promise<UpstreamOutcome> =>
    (path instanceof Promise ? path.then(handshake) : handshake(path)).then(
      (upstream): UpstreamOutcome => {
        upstreamRunning = false;
        recorder.add({
          kind: 'upstream-tls',
          version: upstream.version,
          alpn: upstream.alpn,
          chain: upstream.chain,
          ...(upstream.resumed ? { resumed: true as const } : {}),
        });
        if (sameOffer(plan.upstreamOffer, offer)) context.alpn.remember(leafHost, offer, upstream.alpn);
        return { ok: true, upstream };
      },
      (error: unknown): UpstreamOutcome => {
        upstreamRunning = false;
        context.alpn.forget(leafHost, offer);
        return { ok: false, error };
      },
    );
  // The leaf's context is taken only as its TLSSocket is made: it may be shared (see ForgedCertificates.forHost).
  const serve = async (settled: Promise<UpstreamOutcome>, promised: string | null): Promise<void> => {
    const hold = recorder.clientWait(FLIGHT_HOLD_MS);
    if (hold) {
      await hold;
      if (clientGone()) {
        clearTimeout(handshakeDeadline);
        void settled.then((outcome) => {
          if (outcome.ok) outcome.upstream.socket.destroy();
          recorder.finish(0, 0);
        });
        return;
      }
    }
    serveForgedCertificate(context, {
      client,
      recorder,
      accounting,
      handshakeDeadline,
      settled,
      forged: context.certificates.forHost(leafHost),
      promised,
      path: inspectionPath,
    });
  };
  if (plan.promised !== undefined) {
    // The client's answer does not depend on the server's. With its leaf at hand, the forged flight goes
    // first and the server's handshake runs while the client checks the forged certificate: the
    // TLSSocket answers the buffered ClientHello on the next tick, the server's side starts after that
    // (W1: 4.1 -> 3.6-3.9 ms, measured in one run each). A new host's leaf is forged while the real
    // server works on its side of the handshake.
    const settled = context.certificates.has(leafHost)
      ? new Promise<void>((resolve) => setImmediate(resolve))
          .then(startUpstream)
          .catch((error: unknown): UpstreamOutcome => ({ ok: false, error }))
      : startUpstream();
    return serve(settled, plan.promised);
  }
  // The server's ALPN choice is not known yet: the client's handshake waits for the server's (the leaf
  // was forged at CONNECT).
  const settled = startUpstream();
  const outcome = await settled;
  if (!outcome.ok) {
    clearTimeout(handshakeDeadline);
    return failUpstream(client, recorder, outcome.error);
  }
  if (clientGone()) {
    clearTimeout(handshakeDeadline);
    outcome.upstream.socket.destroy();
    return recorder.finish(0, 0);
  }
  return serve(settled, outcome.upstream.alpn);
}
