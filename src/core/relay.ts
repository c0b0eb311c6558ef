/** Byte relays between the client and upstream: no parsing, counts and first-data events only. */
import type { Duplex } from 'node:stream';
import type { ConnectionRecorder } from './connectionStore';
import type { Direction } from './timeline';

export interface RelayOptions {
  readonly idleTimeoutMs: number;
  /** Classifies the client side's ending ('fin' or 'close-notify'), when the socket can tell. */
  readonly clientEnding?: (bytesFromClient: number) => 'fin' | 'close-notify';
}

export interface RelayEnds {
  readonly client: Duplex & { setTimeout(ms: number, cb?: () => void): unknown; readonly bytesWritten: number };
  readonly upstream: Duplex & { readonly bytesWritten: number };
}

/**
 * Pipes both ways until both sides are closed, then finishes the recorder. Half-closes are passed on
 * (so a FIN from one side reaches the other), errors tear down both sides.
 */
export function relay({ client, upstream }: RelayEnds, recorder: ConnectionRecorder, options: RelayOptions): void {
  // Counted from what each side was given to write: a 'data' listener of our own beside pipe's would make
  // every chunk's emit copy the listener list.
  const fromClient = (): number => upstream.bytesWritten;
  const toClient = (): number => client.bytesWritten;
  let open = 2;
  const done = (): void => {
    if (--open === 0) recorder.finish(fromClient(), toClient());
  };
  const firstData = (from: Direction) => (chunk: Buffer): void => recorder.add({ kind: 'first-data', from, bytes: chunk.length });
  client.once('data', firstData('client'));
  upstream.once('data', firstData('upstream'));
  client.on('end', () => recorder.add({ kind: options.clientEnding?.(fromClient()) ?? 'fin', from: 'client' }));
  upstream.on('end', () => recorder.add({ kind: 'fin', from: 'upstream' }));
  const onError = (from: Direction, other: Duplex) => (error: NodeJS.ErrnoException): void => {
    if (error.code === 'ECONNRESET') recorder.add({ kind: 'rst', from });
    else if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') recorder.add({ kind: 'error', reason: `${from}: ${error.message}` });
    other.destroy();
  };
  client.on('error', onError('client', upstream));
  upstream.on('error', onError('upstream', client));
  client.once('close', done);
  upstream.once('close', done);
  client.setTimeout(options.idleTimeoutMs, () => {
    recorder.add({ kind: 'timeout', phase: 'idle' });
    client.destroy();
    upstream.destroy();
  });
  client.pipe(upstream);
  upstream.pipe(client);
}
