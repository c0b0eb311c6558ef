/**
 * The client's side of an intercepted connection: the forged certificate, the client's answer, then the
 * relay once both sides are up. How the client ended (close_notify or FIN) is told from its raw bytes.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { receivedAlert } from './protocol/alerts';
import { keepsPromise } from './protocol/alpnPlan';
import { clientEnding, type RawAccounting } from './protocol/clientEnding';
import type { ConnectionRecorder } from '../connectionStore';
import type { ForgedLeaf } from '../pki/forgedCertificates';
import { relay } from './relay';
import { RELAY_BUFFER } from './relayBuffer';
import { captureTls, clientLeg } from './legCapture';
import type { UpstreamTls } from './upstream';
import { recordUpstreamFailure } from './upstreamFailures';
import type { InspectionPathSummary } from '../../shared/timelineEvents';

/** What the client's side needs of the proxy's settings. */
export interface ClientSideSettings {
  readonly idleTimeoutMs: number;
  readonly keylog: ((line: Buffer) => void) | undefined;
  readonly relayedUpstreams: Set<Duplex>;
}

export type UpstreamOutcome = { readonly ok: true; readonly upstream: UpstreamTls } | { readonly ok: false; readonly error: unknown };

export interface ForgedHandshake {
  readonly client: Socket;
  readonly recorder: ConnectionRecorder;
  readonly accounting: RawAccounting;
  readonly handshakeDeadline: NodeJS.Timeout;
  readonly settled: Promise<UpstreamOutcome>;
  readonly forged: ForgedLeaf;
  readonly promised: string | null;
  /** The inspection profile's path, recorded with the forged certificate (absent under the generic profile). */
  readonly path?: InspectionPathSummary | undefined;
}

/**
 * The client's side: the forged certificate, the client's answer, then the relay once both sides are
 * up. The real server's handshake may still be running; whichever side fails first ends both, and the
 * server's outcome is still recorded (its certificate chain is evidence).
 */
export function serveForgedCertificate(
  context: ClientSideSettings,
  { client, recorder, accounting, handshakeDeadline, settled, forged, promised, path }: ForgedHandshake,
): void {
  const { certificate, cached, secureContext } = forged;
  // Made first: the context may be shared, and the socket takes its certificate now (see ForgedCertificates.forHost).
  const tls = new TLSSocket(clientLeg(client), {
    isServer: true,
    ...RELAY_BUFFER,
    secureContext,
    ...(promised ? { ALPNProtocols: [promised] } : {}),
  });
  recorder.add({
    kind: 'forged-certificate',
    subject: certificate.subject,
    issuer: certificate.issuer,
    pin: certificate.pin,
    serialNumber: certificate.serialNumber,
    cached,
    sans: certificate.sans,
    validFrom: certificate.notBefore,
    validTo: certificate.notAfter,
    ...(path ? { path } : {}),
  });
  if (context.keylog) tls.on('keylog', context.keylog);
  captureTls(client, tls);
  let ended = false;
  let relaying = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(handshakeDeadline);
    tls.destroy();
    void settled.then((outcome) => {
      if (outcome.ok) outcome.upstream.socket.destroy();
      recorder.finish(0, 0);
    });
  };
  void settled.then((outcome) => {
    if (outcome.ok && keepsPromise(promised, outcome.upstream.alpn)) return;
    if (outcome.ok)
      recorder.add({
        kind: 'error',
        reason: `the server chose ${outcome.upstream.alpn ?? 'no application protocol'}, but the client had been promised ${promised ?? 'none'}`,
      });
    else recordUpstreamFailure(recorder, outcome.error);
    end();
  });
  const onHandshakeError = (error: NodeJS.ErrnoException): void => {
    const alert = receivedAlert(error);
    if (alert) recorder.add({ kind: 'client-alert', name: alert.name, code: alert.code, message: error.message });
    else if (error.code === 'ECONNRESET' && error.syscall === 'read') recorder.add({ kind: 'rst', from: 'client' });
    else if (error.code === 'ECONNRESET') recorder.add({ kind: 'fin', from: 'client' });
    else recorder.add({ kind: 'tls-error', reason: error.message, code: error.code ?? null });
    end();
  };
  // Once secure, how the client ended is told from its raw bytes, even before the relay has started.
  let endingOnceSecure: (() => 'fin' | 'close-notify') | undefined;
  const onHandshakeEnd = (): void => {
    recorder.add({ kind: endingOnceSecure?.() ?? 'fin', from: 'client' });
    end();
  };
  tls.on('error', onHandshakeError);
  tls.once('end', onHandshakeEnd);
  tls.once('close', () => {
    if (!relaying) end();
  });
  tls.once('secure', () => {
    const rawBytesAtSecure = client.bytesRead - accounting.tunnelStart;
    const cipher = tls.getCipher();
    const version = tls.getProtocol() ?? 'unknown';
    endingOnceSecure = () =>
      clientEnding(client.bytesRead - accounting.tunnelStart, {
        ...accounting,
        version,
        hashBytes: cipher.name.endsWith('SHA384') ? 48 : 32,
        bytesAtSecure: rawBytesAtSecure,
      });
    recorder.add({
      kind: 'handshake-complete',
      version,
      cipher: cipher.standardName,
      alpn: typeof tls.alpnProtocol === 'string' ? tls.alpnProtocol : null,
      ...(tls.isSessionReused() ? { resumed: true as const } : {}),
    });
    void settled.then((outcome) => {
      if (ended || !outcome.ok) return;
      const server = outcome.upstream.socket;
      if (server.destroyed && !server.readableEnded) {
        // The server's connection failed while the client was finishing its handshake (one that said
        // its piece and closed cleanly meanwhile is relayed: what it sent is passed on).
        recorder.add({ kind: 'error', reason: "the server's connection closed before the client's handshake finished" });
        return end();
      }
      relaying = true;
      clearTimeout(handshakeDeadline);
      tls.off('error', onHandshakeError).off('end', onHandshakeEnd);
      relay({ client: tls, upstream: outcome.upstream.socket, reads: outcome.upstream.reads }, recorder, {
        idleTimeoutMs: context.idleTimeoutMs,
        relayedUpstreams: context.relayedUpstreams,
        clientEnding: (bytesFromClient) => (bytesFromClient > 0 ? 'fin' : (endingOnceSecure?.() ?? 'fin')),
      });
    });
  });
}
