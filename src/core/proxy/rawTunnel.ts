/**
 * The paths of a CONNECT tunnel that are not intercepted (a tunnelled host, bytes that are not TLS): the
 * client's bytes relayed untouched to the server, and how a server that cannot be reached ends the
 * client's side (for intercepted connections too).
 */
import type { Socket } from 'node:net';
import type { ConnectionRecorder } from '../connectionStore';
import type { InterceptionContext } from './interception';
import { relay } from './relay';
import { ClientRecordScanner } from './tunnelRecords';
import { connectUpstream } from './upstream';
import { recordUpstreamFailure } from './upstreamFailures';

/**
 * How long the forged flight may wait for the client's socket to be found (its owner located, not its
 * identity or trust, which are read in place at accept or later). The kernel lookup starts at accept and
 * nearly always answers before the ClientHello is read, so the flight does not wait; a client that
 * rejects our certificate closes its socket right after, after which it cannot be found, so under load the
 * flight waits for that one answer — never longer than this.
 */
export const FLIGHT_HOLD_MS = 50;

/** Relays the client's bytes untouched to host:port. */
export async function tunnelRaw(
  context: InterceptionContext,
  client: Socket,
  host: string,
  port: number,
  recorder: ConnectionRecorder,
): Promise<void> {
  const upstream = await connectOrRecord(context, client, host, port, recorder);
  if (upstream) relayRaw(context, client, upstream.socket, recorder);
}

export function relayRaw(context: InterceptionContext, client: Socket, upstream: Socket, recorder: ConnectionRecorder): void {
  relay({ client, upstream }, recorder, {
    idleTimeoutMs: context.idleTimeoutMs,
    clientRecords: new ClientRecordScanner(),
    relayedUpstreams: context.relayedUpstreams,
  });
  client.resume();
}

/** An upstream TCP connection for a tunnel, recorded; a failure ends the client's side. */
async function connectOrRecord(
  context: InterceptionContext,
  client: Socket,
  host: string,
  port: number,
  recorder: ConnectionRecorder,
): Promise<{ socket: Socket; address: string } | undefined> {
  let result;
  try {
    result = await connectUpstream(host, port, context.upstream);
  } catch (error) {
    failUpstream(client, recorder, error);
    return undefined;
  }
  recorder.add({ kind: 'upstream-connected', address: result.address });
  if (client.destroyed) {
    result.socket.destroy();
    recorder.finish(0, 0);
    return undefined;
  }
  return result;
}

/**
 * The server cannot be reached: the client is told so by a close. A client whose socket is still being
 * located (a short-lived one, under load) is held as the forged flight is, so that its process is found
 * before its socket is gone.
 */
export function failUpstream(client: Socket, recorder: ConnectionRecorder, error: unknown): void {
  recordUpstreamFailure(recorder, error);
  const close = (): void => {
    client.end();
    client.destroySoon();
    recorder.finish(0, 0);
  };
  const hold = recorder.clientWait(FLIGHT_HOLD_MS);
  if (hold) void hold.then(close, close);
  else close();
}
