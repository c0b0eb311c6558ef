/** `pinscope diff`: per host, newly broken, newly fixed, changed cause, new and gone; escaped in every format. */
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { judgeAll } from '../../../src/core/diagnosis/hostSummary';
import { toConnectionLine } from '../../../src/core/report/connectionReport';
import { mergeRecordings, type MergedRuns } from '../../../src/core/report/mergedRuns';
import { recordingInputs } from '../../../src/core/io/recordingInputs';
import { diffRuns, renderDiffJson, renderDiffMarkdown, renderDiffText } from '../../../src/core/report/runDiff';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { JA4_APP, transcripts } from '../../support/transcripts';

async function runOf(startedAt: string, records: readonly ConnectionRecord[]): Promise<MergedRuns> {
  const lines = judgeAll(records).map(({ record, verdict }) => JSON.stringify(toConnectionLine(record, verdict)));
  const text = `${[JSON.stringify({ type: 'proxy', startedAt }), ...lines].join('\n')}\n`;
  return mergeRecordings(await recordingInputs(['-'], Readable.from([text])));
}

describe('comparing runs', () => {
  it('names each change once, in the order a reviewer needs them', async () => {
    const before = await runOf('2026-12-01T00:00:00.000Z', [
      transcripts.ok('api.test', JA4_APP),
      transcripts.ok('fixed.test', JA4_APP),
      transcripts.closedAfterHandshake('cause.test', JA4_APP),
      transcripts.closedAfterHandshake('was-broken.test', JA4_APP),
      transcripts.ok('gone.test', JA4_APP),
      transcripts.ok('same.test', JA4_APP),
    ]);
    const after = await runOf('2026-12-02T00:00:00.000Z', [
      transcripts.ok('api.test', JA4_APP),
      transcripts.reset('fixed.test', JA4_APP),
      transcripts.clientCertificateRequired('cause.test', JA4_APP),
      transcripts.ok('was-broken.test', JA4_APP),
      transcripts.ok('new.test', JA4_APP),
      transcripts.reset('\u001b[31mevil.test', JA4_APP),
      transcripts.ok('same.test', JA4_APP),
    ]);
    const diff = diffRuns(before, after);
    assert.deepEqual(
      diff.changes.map((c) => [c.host, c.change, c.newHost]),
      [
        ['\u001b[31mevil.test', 'newly-broken', true],
        ['fixed.test', 'newly-broken', false],
        ['cause.test', 'changed-cause', false],
        ['was-broken.test', 'newly-fixed', false],
        ['new.test', 'new-host', true],
        ['gone.test', 'gone', false],
      ],
    );
    assert.equal(diff.unchanged, 2);
    const text = renderDiffText(diff);
    assert.match(
      text,
      /^pinscope diff: 2 newly broken, 1 newly fixed, 1 changed cause, 1 new host\(s\) that work, 1 no longer contacted; 2 unchanged/,
    );
    assert.match(
      text,
      /Changed cause:\n {2}cause\.test:443 {2}breaks: closed-after-handshake×1; pinning likely -> breaks: client-cert-required×1; pinning unlikely \[client-certificate\]/,
    );
    assert.ok(!text.includes('\u001b') && text.includes('\\x1b[31mevil.test'), 'control characters are shown, not sent');
    assert.ok(!renderDiffMarkdown(diff).includes('\u001b'));
    assert.equal((JSON.parse(renderDiffJson(diff)) as { changes: unknown[] }).changes.length, 6);
  });
});
