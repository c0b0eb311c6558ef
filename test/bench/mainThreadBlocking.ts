/**
 * How long the extension host's main thread (where the proxy serves every connection) is blocked by the
 * heaviest synchronous work left on it: opening a recording (before: parsed and judged on the main
 * thread; after: in the recording worker), starting the pin scan worker, and the exports (an exemption
 * request, a report, Save Recording) over a 10,000-connection session. Measured with
 * `perf_hooks.monitorEventLoopDelay`: the longest delay of the event loop during each operation is the
 * longest time a proxied connection's callback waited. Prints one JSON line per operation.
 * Run: `npm run build && node out/test/bench/mainThreadBlocking.js` (BENCH_RECORDING_LINES, BENCH_REPS).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { judgeConnection, noEvidence } from '../../src/core/diagnosis/judgement';
import { buildExemptionRequest } from '../../src/core/exemptions/exemptionRequest';
import { Recording } from '../../src/core/recording';
import { toConnectionLine } from '../../src/core/report/connectionReport';
import { recordingText } from '../../src/core/report/recordingFile';
import { scanWorkspaceInWorker } from '../../src/extension/pins/workspaceScan';
import { readRecordingInWorker } from '../../src/extension/recordings/recordingReader';
import { ROOT } from '../support/cli';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { transcripts } from '../support/transcripts';

const LINES = Number(process.env['BENCH_RECORDING_LINES'] ?? '200000');
const REPS = Number(process.env['BENCH_REPS'] ?? '3');

function writeRecording(lines: number): string {
  const line = (record: ReturnType<typeof transcripts.ok>): string =>
    JSON.stringify(toConnectionLine({ ...record, id: 999_999_999 }, judgeConnection(record, noEvidence()))).replaceAll(
      'host-template.example.com',
      '%HOST%',
    );
  const [broken, working] = [line(transcripts.alert('host-template.example.com')), line(transcripts.ok('host-template.example.com'))];
  const path = join(temporaryDirectory('blocking-bench'), 'large.pinscope.jsonl');
  const connections = Array.from({ length: lines - 1 }, (_, i) =>
    (i % 3 === 0 ? broken : working).replace('999999999', String(i + 1)).replaceAll('%HOST%', `h${i % 700}.example.com`),
  );
  writeFileSync(
    path,
    `${['{"type":"proxy","listening":null,"ca":null,"startedAt":"2026-12-05T00:00:00.000Z"}', ...connections].join('\n')}\n`,
  );
  return path;
}

/** The operation's wall time and the longest event-loop delay while it ran (ms). */
async function measure(name: string, operation: () => unknown): Promise<void> {
  for (let rep = 0; rep < REPS; rep++) {
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await operation();
    const wallMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
    histogram.disable();
    console.log(
      JSON.stringify({
        operation: name,
        rep,
        wallMs: Math.round(wallMs),
        maxBlockedMs: Math.round(histogram.max / 1e6),
        p99BlockedMs: Math.round(histogram.percentile(99) / 1e6),
      }),
    );
  }
}

async function main(): Promise<void> {
  const path = writeRecording(LINES);
  const small = writeRecording(20_000);
  await measure(`open a ${LINES}-line recording on the main thread (before)`, () => Recording.read(readFileSync(path, 'utf8'), 10_000));
  await measure(`open a ${LINES}-line recording in the worker (after)`, () =>
    readRecordingInWorker({ kind: 'file', path, maxConnectionsKept: 10_000 }),
  );
  await measure('open a 20000-line recording on the main thread (before)', () => Recording.read(readFileSync(small, 'utf8'), 10_000));
  await measure('open a 20000-line recording in the worker (after)', () =>
    readRecordingInWorker({ kind: 'file', path: small, maxConnectionsKept: 10_000 }),
  );
  await measure('pin scan of the fixture workspace in its worker (start to end)', () =>
    scanWorkspaceInWorker(join(ROOT, 'test', 'fixtures', 'pins', 'mobile-app')),
  );
  const session = (await readRecordingInWorker({ kind: 'file', path, maxConnectionsKept: 10_000 })).recording;
  const hosts = session
    .hosts()
    .filter((h) => h.breaks)
    .map((h) => h.host);
  const records = session.records();
  await measure(`export: zscaler-urls request over ${records.length} connections, ${hosts.length} broken hosts`, () =>
    buildExemptionRequest({
      records,
      confirmed: [],
      hosts,
      format: 'zscaler-urls',
      appName: 'bench',
      includePossible: true,
      includeOwnStore: true,
      wildcards: 'never',
      environment: {},
    }),
  );
  await measure(`export: Markdown evidence report over ${records.length} connections`, () =>
    buildExemptionRequest({
      records,
      confirmed: [],
      hosts,
      format: 'report-md',
      appName: 'bench',
      includePossible: true,
      includeOwnStore: true,
      wildcards: 'never',
      environment: {},
    }),
  );
  await measure(`Save Recording of ${records.length} connections (text)`, () =>
    recordingText(session, { listening: null, ca: null, startedAt: new Date() }),
  );
  await measure(`the inspector's host list over ${records.length} connections`, () => session.hosts());
}

void main();
