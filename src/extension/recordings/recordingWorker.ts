/**
 * The recording worker thread: reads and judges recordings off the extension host's main thread, where
 * the proxy serves every connection (a 200,000-line recording takes seconds to parse and judge). One
 * request in, one result out: the recording as plain data (`RecordingContents`).
 */
import { readFile } from 'node:fs/promises';
import { parentPort, threadId } from 'node:worker_threads';
import { readRecording } from '../../core/recording';
import { distinctRuns } from './recordingRuns';
import type { RecordingReply, RecordingRequest } from './recordingReader';

async function answer(request: RecordingRequest): Promise<RecordingReply> {
  switch (request.kind) {
    case 'file': {
      const text = new TextDecoder('utf-8').decode(await readFile(request.path));
      return { type: 'done', contents: readRecording(text, request.maxConnectionsKept), files: 1, repeats: 0, threadId };
    }
    case 'bytes':
      return { type: 'done', contents: readRecording(new TextDecoder('utf-8').decode(request.bytes), request.maxConnectionsKept), files: 1, repeats: 0, threadId };
    case 'set': {
      const runs = await distinctRuns(request.paths);
      return { type: 'done', contents: readRecording(runs.lines.join('\n'), request.maxConnectionsKept), files: runs.files, repeats: runs.repeats, threadId };
    }
  }
}

parentPort?.once('message', (request: RecordingRequest) => {
  answer(request).then(
    (reply) => parentPort?.postMessage(reply),
    (error: unknown) => parentPort?.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies RecordingReply),
  );
});
