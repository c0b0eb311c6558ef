/**
 * Runs the pin scan in a worker thread (no `vscode` import: tested under plain Node). The extension host's
 * main thread also runs the proxy: a scan there (a hostile `.gitignore`, a huge workspace) would stall
 * every proxied connection. The worker is cancellable (terminated), and one that takes longer than its
 * budget is terminated too, the result then being a problem naming the file it was reading.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkspaceScan } from '../../core/pins/workspaceWalker';

export interface ScanRequest {
  readonly root: string;
  readonly exclude: readonly string[];
  /** The scan's own budget: it stops cooperatively and reports where. */
  readonly timeBudgetMs: number;
}

export type ScanReply =
  | { readonly type: 'file'; readonly file: string }
  | { readonly type: 'done'; readonly scan: WorkspaceScan; readonly threadId: number }
  | { readonly type: 'failed'; readonly message: string };

interface WorkerScanOptions {
  readonly exclude?: readonly string[];
  /** The worker is terminated after this long (default: the scan's budget + 10 s). */
  readonly timeoutMs?: number;
  readonly timeBudgetMs?: number;
  readonly signal?: AbortSignal;
}

/** The worker's script: beside this module in the bundle (dist/) and in the transpile (out/). */
function workerScript(): string {
  return join(__dirname, 'pinScanWorker.js');
}

const DEFAULT_BUDGET_MS = 60_000;

/** The scan and the id of the thread that ran it. Rejects when cancelled. */
export function scanWorkspaceInWorker(
  root: string,
  options: WorkerScanOptions = {},
): Promise<WorkspaceScan & { readonly threadId: number }> {
  const timeBudgetMs = options.timeBudgetMs ?? DEFAULT_BUDGET_MS;
  const timeoutMs = options.timeoutMs ?? timeBudgetMs + 10_000;
  return new Promise((resolve, reject) => {
    if (!existsSync(workerScript())) return reject(new Error(`the scan worker ${workerScript()} is missing`));
    const worker = new Worker(workerScript());
    let current = root;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          resolve({
            configurations: [],
            problems: [
              {
                file: current,
                line: 1,
                kind: 'skipped',
                message: `the scan took longer than ${Math.round(timeoutMs / 1000)} s and was stopped while reading this file`,
              },
            ],
            filesScanned: 0,
            threadId: -1,
          }),
        ),
      timeoutMs,
    );
    const abort = (): void => finish(() => reject(new Error('the scan was cancelled')));
    options.signal?.addEventListener('abort', abort);
    if (options.signal?.aborted) return abort();
    worker.on('message', (reply: ScanReply) => {
      if (reply.type === 'file') current = reply.file;
      else if (reply.type === 'done') finish(() => resolve({ ...reply.scan, threadId: reply.threadId }));
      else finish(() => reject(new Error(reply.message)));
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the scan worker exited (${code})`))));
    const request: ScanRequest = { root, exclude: options.exclude ?? [], timeBudgetMs };
    worker.postMessage(request);
  });
}
