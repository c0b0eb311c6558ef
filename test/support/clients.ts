/** Real clients, run as child processes (never synchronously: the proxy under test shares the event loop). */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';

export interface ClientResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runClient(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ClientResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      [...args],
      { timeout: options.timeoutMs ?? 20_000, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** curl through the proxy; `--noproxy ''` so that no ambient NO_PROXY interferes. */
export function curl(proxyUrl: string, url: string, extra: readonly string[] = []): Promise<ClientResult> {
  return runClient('curl', ['-sS', '--max-time', '15', '--noproxy', '', '-x', proxyUrl, ...extra, url]);
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
