/**
 * The recording worker thread: reads and judges recordings off the extension host's main thread, where
 * the proxy serves every connection (a 200,000-line recording takes seconds to parse and judge). One
 * request in; the recording out as plain data (`RecordingContents`), its records in parts.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, threadId } from 'node:worker_threads';
import { readRecording, type RecordingContents } from '../../core/recording';
import { distinctRuns } from './recordingRuns';
import type { RecordingReply, RecordingRequest } from './recordingReader';

/** Records (and their verdicts) per message: receiving one costs the main thread tens of ms, not a whole recording's worth. */
const RECORDS_PER_PART = 500;

type Read = { readonly contents: RecordingContents; readonly files: number; readonly repeats: number };

async function answer(request: RecordingRequest): Promise<Read> {
  switch (request.kind) {
    case 'file':
      return { contents: readRecording(new TextDecoder('utf-8').decode(await readFile(request.path)), request.maxConnectionsKept), files: 1, repeats: 0 };
    case 'bytes':
      return { contents: readRecording(new TextDecoder('utf-8').decode(request.bytes), request.maxConnectionsKept), files: 1, repeats: 0 };
    case 'set': {
      const runs = await distinctRuns(request.paths);
      return { contents: readRecording(runs.lines.join('\n'), request.maxConnectionsKept), files: runs.files, repeats: runs.repeats };
    }
  }
}

/** Sends the records in parts, then the rest: the main thread receives each part as its own task, between the proxy's. */
function send({ contents, files, repeats }: Read): void {
  const post = (reply: RecordingReply): void => parentPort?.postMessage(reply);
  for (let at = 0; at < contents.records.length; at += RECORDS_PER_PART) {
    post({ type: 'part', records: contents.records.slice(at, at + RECORDS_PER_PART), verdicts: contents.verdicts.slice(at, at + RECORDS_PER_PART) });
  }
  post({ type: 'done', contents: { ...contents, records: [], verdicts: [] }, files, repeats, threadId });
}

parentPort?.once('message', (request: RecordingRequest) => {
  answer(request).then(send, (error: unknown) => parentPort?.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies RecordingReply));
});
