/**
 * The pin scan's worker thread: walks and reads a workspace off the extension host's main thread, where
 * the proxy serves every connection. One request in, progress (the file being read) and one result out.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { scanWorkspace } from '../../core/pins/workspaceWalker';
import type { ScanReply, ScanRequest } from './workspaceScan';

/** Progress is posted at most this often: enough to name the file a stuck scan stopped at. */
const PROGRESS_INTERVAL_MS = 100;

parentPort?.once('message', (request: ScanRequest) => {
  let last = 0;
  const post = (reply: ScanReply): void => parentPort?.postMessage(reply);
  scanWorkspace(request.root, {
    exclude: request.exclude,
    timeBudgetMs: request.timeBudgetMs,
    onFile: (file) => {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      post({ type: 'file', file });
    },
  }).then(
    (scan) => post({ type: 'done', scan, threadId }),
    (error: unknown) => post({ type: 'failed', message: String(error) }),
  );
});
