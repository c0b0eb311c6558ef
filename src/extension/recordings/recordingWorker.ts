/**
 * The recording worker thread: reads and judges recordings off the extension host's main thread, where
 * the proxy serves every connection (a 200,000-line recording takes seconds to parse and judge). One
 * request in; the recording out as plain data (`RecordingContents`), its records in parts.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, threadId } from 'node:worker_threads';
import { readRecording, Recording, type RecordingContents } from '../../core/recording';
import type { CaptureJson } from '../../core/report/capturedTraffic';
import { recordingCaptures } from '../../core/report/recordedCaptures';
import { distinctRuns } from './recordingRuns';
import type { RecordingReply, RecordingRequest } from './recordingReader';

/** Records (and their verdicts) per message: receiving one costs the main thread tens of ms, not a whole recording's worth. */
const RECORDS_PER_PART = 500;

type Read = {
  readonly contents: RecordingContents;
  readonly files: number;
  readonly repeats: number;
  readonly captures: [number, CaptureJson][];
};

/** A recording's text read and judged, with the captures its lines carry. */
function judged(text: string, maxConnectionsKept: number, files: number, repeats: number): Read {
  const contents = readRecording(text, maxConnectionsKept);
  return { contents, files, repeats, captures: recordingCaptures(text, new Recording(contents)) };
}

async function answer(request: RecordingRequest): Promise<Read> {
  switch (request.kind) {
    case 'file':
      return judged(new TextDecoder('utf-8').decode(await readFile(request.path)), request.maxConnectionsKept, 1, 0);
    case 'bytes':
      return judged(new TextDecoder('utf-8').decode(request.bytes), request.maxConnectionsKept, 1, 0);
    case 'set': {
      const runs = await distinctRuns(request.paths);
      return judged(runs.lines.join('\n'), request.maxConnectionsKept, runs.files, runs.repeats);
    }
  }
}

/** Sends the records in parts, then the rest: the main thread receives each part as its own task, between the proxy's. */
function send({ contents, files, repeats, captures }: Read): void {
  const post = (reply: RecordingReply): void => parentPort?.postMessage(reply);
  for (let at = 0; at < contents.records.length; at += RECORDS_PER_PART) {
    post({
      type: 'part',
      records: contents.records.slice(at, at + RECORDS_PER_PART),
      verdicts: contents.verdicts.slice(at, at + RECORDS_PER_PART),
    });
  }
  post({ type: 'done', contents: { ...contents, records: [], verdicts: [] }, files, repeats, captures, threadId });
}

parentPort?.once('message', (request: RecordingRequest) => {
  answer(request).then(send, (error: unknown) =>
    parentPort?.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies RecordingReply),
  );
});
