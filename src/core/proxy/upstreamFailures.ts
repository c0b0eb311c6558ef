/** Why the real server could not be reached or refused: a stage and a reason, as the timeline records them. */
import type { UpstreamFailureStage } from '../timeline';
import type { ConnectionRecorder } from '../connectionStore';
import { errorMessage } from '../errors';

export class UpstreamFailure extends Error {
  override name = 'UpstreamFailure';
  constructor(
    readonly stage: UpstreamFailureStage,
    message: string,
  ) {
    super(message);
  }
}

/** Puts an upstream failure on the connection's timeline, with the stage it failed at. */
export function recordUpstreamFailure(recorder: ConnectionRecorder, error: unknown): void {
  const failure = error instanceof UpstreamFailure ? error : new UpstreamFailure('connect', errorMessage(error));
  recorder.add({ kind: 'upstream-failed', stage: failure.stage, reason: failure.message });
}

export function connectTimeout(host: string, port: number, ms: number): UpstreamFailure {
  return new UpstreamFailure('timeout', `no TCP connection to ${host}:${port} within ${ms} ms`);
}

export function networkFailure(error: NodeJS.ErrnoException, host: string, port: number): UpstreamFailure {
  if (error.code === 'EPINSCOPE_REFUSED') return new UpstreamFailure('connect', error.message);
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || error.syscall === 'getaddrinfo') {
    return new UpstreamFailure('dns', `DNS lookup of ${host} failed (${error.code ?? 'error'})`);
  }
  if (error.code === 'ETIMEDOUT') return new UpstreamFailure('timeout', `TCP connection to ${host}:${port} timed out`);
  return new UpstreamFailure('connect', `TCP connection to ${host}:${port} failed: ${error.code ?? error.message}`);
}
