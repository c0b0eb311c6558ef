/** Byte relays between the client and upstream: no parsing, counts and first-data events only. */
import type { Duplex } from 'node:stream';
import type { ConnectionRecorder } from '../connectionStore';
import type { Direction } from '../../shared/timelineEvents';
import type { UpstreamReads } from './upstreamReads';
import type { ClientRecordScanner } from './tunnelRecords';

export interface RelayOptions {
  readonly idleTimeoutMs: number;
  /** Classifies the client side's ending ('fin' or 'close-notify'), when the socket can tell. */
  readonly clientEnding?: (bytesFromClient: number) => 'fin' | 'close-notify';
  /**
   * Set for a tunnel, whose bytes are still encrypted: the client's first-data event then marks its first
   * application data (read from the TLS record headers), not its ClientHello.
   */
  readonly clientRecords?: ClientRecordScanner;
  /** Where the server's side is listed while it is open (the proxy closes them when it stops). */
  readonly relayedUpstreams?: Set<Duplex>;
}

export interface RelayEnds {
  readonly client: Duplex & { setTimeout(ms: number, cb?: () => void): unknown; readonly bytesWritten: number };
  readonly upstream: Duplex & { readonly bytesWritten: number };
  /** Set when the upstream socket reads through UpstreamReads (then it emits no 'data'). */
  readonly reads?: UpstreamReads | undefined;
}

/**
 * Pipes both ways until both sides are closed, then finishes the recorder. Half-closes are passed on
 * (so a FIN from one side reaches the other), errors tear down both sides.
 */
export function relay({ client, upstream, reads }: RelayEnds, recorder: ConnectionRecorder, options: RelayOptions): void {
  // Counted from what each side was given to write: a 'data' listener of our own beside pipe's would make
  // every chunk's emit copy the listener list.
  const fromClient = (): number => upstream.bytesWritten;
  const toClient = (): number => client.bytesWritten;
  let open = 2;
  const done = (): void => {
    if (--open === 0) recorder.finish(fromClient(), toClient());
  };
  const firstData =
    (from: Direction) =>
    (chunk: Buffer): void =>
      recorder.add({ kind: 'first-data', from, bytes: chunk.length });
  const scanner = options.clientRecords;
  if (scanner) {
    const onClientData = (chunk: Buffer): void => {
      if (!scanner.feed(chunk)) return;
      client.off('data', onClientData);
      firstData('client')(chunk);
    };
    client.on('data', onClientData);
  } else {
    client.once('data', firstData('client'));
  }
  client.on('end', () => recorder.add({ kind: options.clientEnding?.(fromClient()) ?? 'fin', from: 'client' }));
  const onError =
    (from: Direction, other: Duplex) =>
    (error: NodeJS.ErrnoException): void => {
      if (error.code === 'ECONNRESET') recorder.add({ kind: 'rst', from });
      else if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') recorder.add({ kind: 'error', reason: `${from}: ${error.message}` });
      other.destroy();
    };
  client.on('error', onError('client', upstream));
  upstream.on('error', onError('upstream', client));
  const listed = options.relayedUpstreams;
  if (listed && !upstream.closed) {
    listed.add(upstream);
    upstream.once('close', () => listed.delete(upstream));
  }
  // A side that has closed unpipes the other, and pipe() then pauses it: bytes that side sends next (a
  // gRPC client's GOAWAY) stay in its buffer, and its 'end' is never emitted behind them, so it never
  // closes and the connection is never finished. So the other side is ended and kept reading (nothing
  // more can be passed on), and destroyed if it still has not closed after the idle timeout.
  const outlive = (other: Duplex) => (): void => {
    done();
    if (other.destroyed) return;
    other.end();
    other.resume();
    const timer = setTimeout(() => other.destroy(), options.idleTimeoutMs);
    other.once('close', () => clearTimeout(timer));
  };
  client.once('close', outlive(upstream));
  client.setTimeout(options.idleTimeoutMs, () => {
    recorder.add({ kind: 'timeout', phase: 'idle' });
    client.destroy();
    upstream.destroy();
  });
  client.pipe(upstream);
  if (reads) {
    reads.relayTo(client, upstream, (bytes) => recorder.add({ kind: 'first-data', from: 'upstream', bytes }));
  } else {
    upstream.once('data', firstData('upstream'));
    upstream.pipe(client);
  }
  // The server may have ended before the relay began: its 'end' is emitted whether or not anyone listens.
  const upstreamEnded = (): void => {
    recorder.add({ kind: 'fin', from: 'upstream' });
    if (reads) client.end();
  };
  if (upstream.readableEnded) upstreamEnded();
  else upstream.once('end', upstreamEnded);
  // The server's side may have closed already, after ending cleanly, while the client finished its
  // handshake: what it sent has been passed on above, before the client is ended.
  if (upstream.closed) outlive(client)();
  else upstream.once('close', outlive(client));
}
