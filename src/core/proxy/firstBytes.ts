/**
 * A tunnel's first bytes: what the client sends first (a ClientHello, other bytes, or nothing within the
 * wait) and, when it said nothing, who speaks first once the server is connected: the server (a
 * server-speaks-first protocol: SMTP, SSH, FTP…) or the client after all (a slow one: its own event loop
 * busy, a burst of connections, a debugger's pause). Silence is not proof that the client does not speak
 * TLS: its late ClientHello is still intercepted, so that a pin is not hidden by a relay (interception.ts).
 */
import type { Socket } from 'node:net';

type FirstSpeaker =
  | { readonly from: 'client' | 'server'; readonly chunk: Buffer }
  /** One side ended, failed or closed before either spoke (`side`), or neither spoke within `idleMs`. */
  | { readonly from: 'neither'; readonly side: 'client' | 'server' | 'idle'; readonly error?: NodeJS.ErrnoException };

/**
 * Waits for the first bytes from either socket; both are paused again when it answers, and the bytes
 * that answered are put back into their socket (unshift), for whatever reads it next.
 */
export function firstSpeaker(client: Socket, server: Socket, idleMs: number): Promise<FirstSpeaker> {
  return new Promise((resolve) => {
    const sides = [
      { socket: client, name: 'client' as const },
      { socket: server, name: 'server' as const },
    ].map(({ socket, name }) => {
      const onData = (chunk: Buffer): void => done({ from: name, chunk }, socket);
      const onEnd = (): void => done({ from: 'neither', side: name });
      const onError = (error: NodeJS.ErrnoException): void => done({ from: 'neither', side: name, error });
      return { socket, onData, onEnd, onError };
    });
    const timer = setTimeout(() => done({ from: 'neither', side: 'idle' }), idleMs);
    let answered = false;
    function done(answer: FirstSpeaker, speaker?: Socket): void {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      for (const { socket, onData, onEnd, onError } of sides) {
        socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
        socket.pause();
      }
      if (speaker && answer.from !== 'neither') speaker.unshift(answer.chunk);
      resolve(answer);
    }
    for (const { socket, onData, onEnd, onError } of sides) {
      socket.on('data', onData).once('end', onEnd).once('close', onEnd).once('error', onError);
      socket.resume();
    }
  });
}

type FirstBytes = { kind: 'data'; chunk: Buffer } | { kind: 'end' } | { kind: 'timeout' } | { kind: 'error'; error: NodeJS.ErrnoException };

export function waitForFirstBytes(socket: Socket, timeoutMs: number): Promise<FirstBytes> {
  return new Promise((resolve) => {
    let immediate: NodeJS.Immediate | undefined;
    const finish = (result: FirstBytes): void => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      socket.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      socket.pause();
      socket.unshift(chunk);
      finish({ kind: 'data', chunk });
    };
    const onEnd = (): void => finish({ kind: 'end' });
    const onError = (error: NodeJS.ErrnoException): void => finish({ kind: 'error', error });
    // The timer runs before the event loop polls its sockets: on a busy proxy a ClientHello can be waiting
    // unread when it fires. One poll more (setImmediate runs after it) reads it before "sent nothing" is said.
    const timer = setTimeout(() => {
      immediate = setImmediate(() => finish({ kind: 'timeout' }));
    }, timeoutMs);
    socket.on('data', onData).once('end', onEnd).once('error', onError);
  });
}
