/**
 * Recordings are read and judged in a worker thread (issue 28): the extension host's main thread runs the
 * proxy, and a 200,000-line recording takes seconds to parse and judge. Here the proxy runs on this test's
 * thread, as it does on the extension host's: real curls complete their handshakes through it while the
 * recording loads, and what the worker hands back is what reading it here gives.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import { judgeConnection, noEvidence } from '../../../src/core/diagnosis/judgement';
import { Recording } from '../../../src/core/recording';
import { toConnectionLine } from '../../../src/core/report/connectionReport';
import { hasEvent } from '../../../src/core/timeline';
import { readRecordingInWorker } from '../../../src/extension/recordings/recordingReader';
import { curl } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { temporaryDirectory } from '../../support/temporaryDirectories';
import { transcripts } from '../../support/transcripts';

const LINES = 200_000;

/** Two real connection lines (one broken, one working) as templates: the id and host change per line. */
function templates(): [string, string] {
  const line = (record: ReturnType<typeof transcripts.ok>): string =>
    JSON.stringify(toConnectionLine({ ...record, id: 999_999_999 }, judgeConnection(record, noEvidence()))).replaceAll(
      'host-template.example.com',
      '%HOST%',
    );
  return [line(transcripts.alert('host-template.example.com')), line(transcripts.ok('host-template.example.com'))];
}

/** A recording of a proxy line and `lines - 1` connection lines over 700 hosts. */
function writeRecording(lines: number): string {
  const [broken, working] = templates();
  const path = join(temporaryDirectory('large-recording'), 'large.pinscope.jsonl');
  const connections = Array.from({ length: lines - 1 }, (_, i) =>
    (i % 3 === 0 ? broken : working).replace('999999999', String(i + 1)).replaceAll('%HOST%', `h${i % 700}.example.com`),
  );
  writeFileSync(
    path,
    `${['{"type":"proxy","listening":null,"ca":null,"startedAt":"2026-12-05T00:00:00.000Z"}', ...connections].join('\n')}\n`,
  );
  return path;
}

describe('recordings read in a worker thread', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.close();
  });

  it('gives what reading here gives, read on another thread; several files with a repeated run read it once', async () => {
    const path = writeRecording(300);
    const read = await readRecordingInWorker({ kind: 'file', path, maxConnectionsKept: 100 });
    const here = Recording.read(readFileSync(path, 'utf8'), 100);
    assert.notEqual(read.threadId, threadId);
    assert.deepEqual(read.recording.records(), here.records());
    assert.deepEqual(read.recording.hosts(), here.hosts());
    assert.equal(read.recording.connectionsDropped, 199);
    assert.deepEqual(read.recording.verdictOf(299), here.verdictOf(299));
    const set = await readRecordingInWorker({ kind: 'set', paths: [path, path], maxConnectionsKept: 100 });
    assert.deepEqual([set.files, set.repeats], [2, 1]);
    assert.deepEqual(set.recording.hosts(), here.hosts());
  });

  it('names what it cannot read, and can be cancelled', async () => {
    await assert.rejects(
      readRecordingInWorker({ kind: 'set', paths: [join(temporaryDirectory('no-recordings'), 'absent')], maxConnectionsKept: 10 }),
      /cannot read .*absent: ENOENT/,
    );
    const abort = new AbortController();
    const reading = readRecordingInWorker({ kind: 'file', path: writeRecording(20_000), maxConnectionsKept: 10 }, abort.signal);
    abort.abort();
    await assert.rejects(reading, /cancelled/);
  });

  it(`keeps the proxy serving real handshakes while a ${LINES}-line recording loads`, { timeout: 600_000 }, async () => {
    const path = writeRecording(LINES);
    const load = { done: false };
    let servedWhileLoading = 0;
    const subscription = harness.session.onJudged.subscribe(({ record }) => {
      if (!load.done && hasEvent(record.events, 'handshake-complete')) servedWhileLoading++;
    });
    const loading = readRecordingInWorker({ kind: 'file', path, maxConnectionsKept: 10_000 }).finally(() => {
      load.done = true;
    });
    // Curls one after another until three have been served while the recording loads (or it has loaded).
    let tried = 0;
    while (!load.done && servedWhileLoading < 3) {
      tried++;
      const result = await curl(harness.proxyUrl, `https://a${tried}.example.test:${harness.origin.port}/`, ['--cacert', harness.caFile]);
      assert.equal(result.code, 0, result.stderr);
    }
    const { recording } = await loading;
    subscription.dispose();
    assert.ok(servedWhileLoading >= 3, `${servedWhileLoading} handshake(s) completed while the recording loaded (${tried} curl(s) tried)`);
    assert.equal(recording.records().length, 10_000);
    assert.equal(recording.connectionsDropped, LINES - 1 - 10_000);
    assert.deepEqual(recording.skipped, []);
  });
});
