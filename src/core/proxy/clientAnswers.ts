/** A refused client's last answer (400, 408, 431), after which its slot is freed whatever the client does. */
import type { Socket } from 'node:net';

/** How long a refused client gets to read our answer before its socket is destroyed. */
const ANSWER_GRACE_MS = 2000;

/**
 * Writes a last answer (400, 408, 431) and frees the slot: destroyed once the answer is flushed, or after
 * a short grace. `end` alone leaves the socket open for as long as the client keeps its side open, and a
 * client that sends half a request and never reads would hold a slot of `maxOpenConnections` forever.
 */
export function answerAndClose(socket: Socket, answer: string): void {
  const grace = setTimeout(() => socket.destroy(), ANSWER_GRACE_MS);
  grace.unref();
  socket.once('close', () => clearTimeout(grace));
  socket.end(answer, () => socket.destroy());
}
