/** Merging runs: each run judged alone, folded per host by the ladder; duplicates once; counts weighted. */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { judgeAll } from '../../../src/core/diagnosis/hostSummary';
import { toConnectionLine } from '../../../src/core/report/connectionReport';
import { mergeRecordings, type MergedHost, type MergedRuns } from '../../../src/core/report/mergedRuns';
import { RecordingInputError, recordingInputs } from '../../../src/core/io/recordingInputs';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { temporaryDirectory } from '../../support/temporaryDirectories';
import { JA4_APP, JA4_CURL, transcripts } from '../../support/transcripts';

/** A recording as the CLI writes it: a proxy line, then each record with its verdict; `confirmed` hosts as the live session judged them. */
function recording(
  startedAt: string,
  records: readonly ConnectionRecord[],
  confirmed: readonly string[] = [],
  machine = 'laptop-1',
): string {
  const lines = judgeAll(records).map(({ record, verdict }) =>
    JSON.stringify(toConnectionLine(record, { ...verdict, confirmed: confirmed.includes(record.host) })),
  );
  return `${[JSON.stringify({ type: 'proxy', listening: 'http://127.0.0.1:8080', ca: '/tmp/ca.pem', startedAt, machine }), ...lines].join('\n')}\n`;
}

function hostOf(merged: MergedRuns, host: string): MergedHost {
  const found = merged.hosts.find((h) => h.host === host);
  assert.ok(found, `${host} among ${merged.hosts.map((h) => h.host).join(', ')}`);
  return found;
}

describe('merging recordings', () => {
  const dir = temporaryDirectory('merge');
  // Run 1: the app accepts the CA (works at api.test) and abandons pin.test after the handshake: likely.
  writeFileSync(
    join(dir, 'one.pinscope.jsonl'),
    recording('2026-12-01T10:00:00.000Z', [
      transcripts.ok('api.test', JA4_APP),
      transcripts.closedAfterHandshake('pin.test', JA4_APP),
      transcripts.ok('flaky.test', JA4_APP),
    ]),
  );
  // Run 2: another client only rejects pin.test (possible), and flaky.test breaks here.
  mkdirSync(join(dir, 'ci', 'nested'), { recursive: true });
  writeFileSync(
    join(dir, 'ci', 'nested', 'two.pinscope.jsonl'),
    recording(
      '2026-12-02T10:00:00.000Z',
      [transcripts.alert('pin.test', 'unknown_ca', JA4_CURL), transcripts.alert('flaky.test', 'unknown_ca', JA4_CURL)],
      [],
      'ci-runner',
    ),
  );
  // Run 3: pin.test confirmed by tunnelling.
  writeFileSync(
    join(dir, 'ci', 'three.pinscope.jsonl'),
    recording(
      '2026-12-03T10:00:00.000Z',
      [transcripts.alert('pin.test', 'unknown_ca', JA4_CURL), transcripts.tunnelled('pin.test')],
      ['pin.test'],
      'phone-lab',
    ),
  );
  writeFileSync(join(dir, 'ci', 'notes.txt'), 'not a recording\n');

  it('keeps the strongest evidence by the ladder, with the run, app and machine each verdict came from', async () => {
    const merged = await mergeRecordings(await recordingInputs([join(dir, 'one.pinscope.jsonl'), join(dir, 'ci')]));
    assert.equal(merged.runs.length, 3);
    assert.deepEqual(
      merged.runs.map((r) => r.machine),
      ['laptop-1', 'ci-runner', 'phone-lab'],
    );
    const pin = hostOf(merged, 'pin.test');
    assert.equal(pin.level, 'confirmed');
    assert.equal(pin.status, 'breaks');
    assert.equal(pin.strongest.run.machine, 'phone-lab');
    assert.deepEqual(
      pin.runs.map((r) => [r.run.machine, r.summary.pinning, r.summary.confirmed]),
      [
        ['laptop-1', 'likely', false],
        ['ci-runner', 'unlikely', false],
        ['phone-lab', 'possible', true],
      ],
    );
    assert.equal(pin.summary.pinning, 'likely');
    assert.equal(pin.summary.connections, 4);
    assert.equal(hostOf(merged, 'api.test').status, 'works');
  });

  it('calls a host that works in one run and breaks in another flaky, with both', async () => {
    const merged = await mergeRecordings(await recordingInputs([dir]));
    const flaky = hostOf(merged, 'flaky.test');
    assert.equal(flaky.status, 'flaky');
    assert.equal(flaky.summary.breaks, true);
    assert.deepEqual(flaky.runs.map((r) => r.outcome).sort(), ['breaks', 'works']);
    assert.match(
      flaky.summary.evidence[0] ?? '',
      /^Flaky across runs: it worked in .*one\.pinscope\.jsonl.* and broke in .*two\.pinscope\.jsonl/,
    );
  });

  it('counts the same run once, whether named twice or copied', async () => {
    const one = join(dir, 'one.pinscope.jsonl');
    const copy = join(temporaryDirectory('merge-copy'), 'copy.pinscope.jsonl');
    writeFileSync(copy, recording('2026-12-01T10:00:00.000Z', []));
    const merged = await mergeRecordings(await recordingInputs([one, one, dir]));
    assert.equal(merged.runs.length, 3);
    assert.equal(merged.connections, 7);
    assert.equal(merged.duplicates.length, 2);
    assert.equal(hostOf(merged, 'api.test').summary.connections, 1);
  });

  it('weighs connections the judgement cannot tell apart, and splits concatenated runs at their proxy lines', async () => {
    const many = Array.from({ length: 50 }, () => transcripts.ok('api.test', JA4_APP));
    const text =
      recording('2026-12-04T10:00:00.000Z', [...many, transcripts.reset('api.test', JA4_APP)]) +
      recording('2026-12-05T10:00:00.000Z', [transcripts.ok('api.test', JA4_APP)]);
    const merged = await mergeRecordings(await recordingInputs(['-'], Readable.from([text])));
    assert.equal(merged.runs.length, 2);
    const api = hostOf(merged, 'api.test');
    assert.equal(api.summary.connections, 52);
    assert.deepEqual(api.summary.categories, { ok: 51, reset: 1 });
    assert.equal(api.status, 'flaky');
    assert.equal(api.runs[0]?.run.source, 'stdin');
  });

  it('names bad lines with their file and line, and uses the rest', async () => {
    const file = join(temporaryDirectory('merge-bad'), 'cut.pinscope.jsonl');
    const text = recording('2026-12-06T10:00:00.000Z', [transcripts.ok('api.test')]);
    const good = text.trim().split('\n')[1] ?? '';
    // The same kind of line as a good one, but with what the fast path strips gone wrong: still checked.
    const badTime = good.replace(/"startedAt":"[^"]*"/, '"startedAt":"yesterday"');
    const badNumber = good.replace(/"id":\d+/, '"id":1e');
    writeFileSync(file, `${text}${badTime}\n${badNumber}\n{"type":"connection","id":9,"host":"x\n`);
    const merged = await mergeRecordings(await recordingInputs([file]));
    assert.equal(merged.connections, 1);
    assert.deepEqual(merged.skipped, [
      `${file} line 3: startedAt "yesterday" is not a time`,
      `${file} line 4: not JSON (cut off while being written?)`,
      `${file} line 5: not JSON (cut off while being written?)`,
    ]);
  });

  it('refuses a path that does not exist and a folder without recordings, by name', async () => {
    await assert.rejects(
      recordingInputs([join(dir, 'missing.jsonl')]),
      (e: unknown) => e instanceof RecordingInputError && /missing\.jsonl: ENOENT/.test(e.message),
    );
    const empty = temporaryDirectory('merge-empty');
    await assert.rejects(recordingInputs([empty]), /holds no recording \(\*\.pinscope\.jsonl\)/);
    await assert.rejects(recordingInputs(['-', '-']), /can be named once/);
    const endless = join(temporaryDirectory('merge-endless'), 'endless.pinscope.jsonl');
    writeFileSync(endless, 'x'.repeat(17 * 1024 * 1024));
    await assert.rejects(
      mergeRecordings(await recordingInputs([endless])),
      (e: unknown) =>
        e instanceof RecordingInputError && /endless\.pinscope\.jsonl has a line longer than 16 Mi characters/.test(e.message),
    );
  });
});
