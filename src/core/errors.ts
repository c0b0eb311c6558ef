/** The message of anything thrown, for people (never a stack, never key material). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Keeps a socket's error from becoming an uncaught exception (which would end the CLI, or disturb the
 * extension host) in the gaps between phases: every phase (handshake, relay) adds its own listener that
 * records what happened; a socket that errs meanwhile is destroyed, and the next phase sees that.
 */
export function parkErrors(socket: NodeJS.EventEmitter): void {
  if (!socket.listeners('error').includes(parked)) socket.on('error', parked);
}

function parked(): void {
  // Recorded by the phase that owns the socket, or seen as a destroyed socket by the next one.
}
