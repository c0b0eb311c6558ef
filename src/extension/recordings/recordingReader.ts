/**
 * Reads recordings in a worker thread (no `vscode` import: tested under plain Node). The extension host's
 * main thread also runs the proxy: parsing and judging a large recording there stalls every proxied
 * connection for as long (docs/architecture.md, "What runs on which thread"). What comes back is plain
 * data, its records in parts of 500 (receiving 10,000 records at once blocked the thread for about a
 * second); building the `Recording` from it costs a map. The worker is terminated when the read is cancelled.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Recording, type RecordingContents } from '../../core/recording';
import { captureFromJson, type CaptureJson } from '../../core/report/capturedTraffic';
import type { RecordingCaptures } from '../inspector/inspectorSources';

export type RecordingRequest = (
  | { readonly kind: 'file'; readonly path: string }
  /** A recording read by the editor (not a local file): its bytes. */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  /** Several files and folders as one, each run once. */
  | { readonly kind: 'set'; readonly paths: readonly string[] }
) & { readonly maxConnectionsKept: number };

export type RecordingReply =
  /** Some of the kept records and their verdicts, in order (each part is a task of its own on the receiving thread). */
  | { readonly type: 'part'; readonly records: RecordingContents['records']; readonly verdicts: RecordingContents['verdicts'] }
  /** The rest: the host summaries, the skipped lines, the counts (its records and verdicts came in parts). */
  | {
      readonly type: 'done';
      readonly contents: RecordingContents;
      readonly files: number;
      readonly repeats: number;
      readonly captures: [number, CaptureJson][];
      readonly threadId: number;
    }
  | { readonly type: 'failed'; readonly message: string };

export interface RecordingRead {
  readonly recording: Recording;
  /** Files read (a folder counts its recordings), and runs chosen more than once and read once. */
  readonly files: number;
  readonly repeats: number;
  /** The captures its lines carry (turned into bytes when one is exported). */
  readonly captures: RecordingCaptures;
  /** The thread that parsed it (never the caller's). */
  readonly threadId: number;
}

/** The worker's script: beside this module in the bundle (dist/) and in the transpile (out/). */
function workerScript(): string {
  return join(__dirname, 'recordingWorker.js');
}

/** Reads and judges the recording(s) in a worker thread. Rejects with the reader's message, or when cancelled. */
export function readRecordingInWorker(request: RecordingRequest, signal?: AbortSignal): Promise<RecordingRead> {
  return new Promise((resolve, reject) => {
    if (!existsSync(workerScript())) return reject(new Error(`the recording worker ${workerScript()} is missing`));
    const worker = new Worker(workerScript());
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
      outcome();
    };
    const abort = (): void => finish(() => reject(new Error('reading the recording was cancelled')));
    signal?.addEventListener('abort', abort);
    if (signal?.aborted) return abort();
    const records: RecordingContents['records'][number][] = [];
    const verdicts: RecordingContents['verdicts'][number][] = [];
    worker.on('message', (reply: RecordingReply) => {
      if (reply.type === 'part') {
        records.push(...reply.records);
        verdicts.push(...reply.verdicts);
      } else if (reply.type === 'done') {
        const captures = new Map(reply.captures);
        finish(() =>
          resolve({
            recording: new Recording({ ...reply.contents, records, verdicts }),
            files: reply.files,
            repeats: reply.repeats,
            captures: lazyCaptures(captures),
            threadId: reply.threadId,
          }),
        );
      } else {
        finish(() => reject(new Error(reply.message)));
      }
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the recording worker exited (${code})`))));
    // Bytes are copied, not transferred: the editor's buffer may be a slice of a shared pool.
    worker.postMessage(request);
  });
}

/** Captures kept as stored, each turned into bytes when asked for (an export), not all at once on this thread. */
function lazyCaptures(stored: ReadonlyMap<number, CaptureJson>): RecordingCaptures {
  return {
    get: (id) => {
      const json = stored.get(id);
      return json === undefined ? undefined : captureFromJson(json);
    },
  };
}
