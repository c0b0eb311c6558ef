/**
 * Node's `onread` (reads into one buffer of ours, no Buffer per read) for a socket made without it.
 *
 * A captured leg's sockets are made before capture knows of them (the client's by the server, the
 * server's by connectUpstream), and Node ignores `onread` for a TLSSocket made over a stream. Without it
 * every piece read is a new Buffer, whose memory V8 counts against the old generation's limit: a bulk
 * download through a captured connection started a mark-compact every ~25 MB (docs/performance.md, "Leg
 * capture"). So it is set as Node's own constructor sets it: the socket's buffer and callback slots, and
 * the handle told to read into the buffer. Where this Node has no such slots, nothing is changed and the
 * socket reads as before (`false`).
 */
import type { Socket } from 'node:net';

export interface UserBuffer {
  readonly buffer: Buffer;
  /** Told each piece read (its length, in `buffer`); `false` pauses reading. */
  readonly callback: (bytes: number, buffer: Buffer) => boolean;
}

interface ReadingHandle {
  useUserBuffer?: unknown;
}

/** Makes `socket` (not yet reading, or reading nothing yet) read into `onread.buffer`; `false` where this Node cannot. */
export function readIntoUserBuffer(socket: Socket, onread: UserBuffer): boolean {
  const slots = socket as unknown as Record<symbol, unknown>;
  const symbols = Object.getOwnPropertySymbols(socket);
  const slot = (name: string): symbol | undefined => symbols.find((symbol) => symbol.description === name && slots[symbol] === null);
  const buffer = slot('kBuffer');
  const callback = slot('kBufferCb');
  const handle = (socket as unknown as { _handle?: ReadingHandle | null })._handle;
  const useUserBuffer = handle?.useUserBuffer;
  if (!buffer || !callback || !handle || typeof useUserBuffer !== 'function') return false;
  slots[buffer] = onread.buffer;
  slots[callback] = onread.callback;
  useUserBuffer.call(handle, onread.buffer);
  return true;
}
