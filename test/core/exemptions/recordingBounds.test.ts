/**
 * A recording is read with bounded work and a bounded list of what was skipped (issue 28): a million junk
 * lines, a huge line and a deeply nested value are skipped and summarised, never parsed at length or
 * listed one by one (the list goes to the log, a warning and the webview's state).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecordedConnections } from '../../../src/core/exemptions/recordedConnections';
import { toConnectionLine } from '../../../src/core/report/connectionReport';
import { judgeConnection, noEvidence } from '../../../src/core/diagnosis/judgement';
import { transcripts } from '../../support/transcripts';
import { Recording } from '../../../src/core/recording';
import { recordingSource } from '../../../src/extension/inspector/inspectorSources';
import type { PinscopeContext } from '../../../src/extension/pinscopeContext';

/** The panel's source asks the context for pins only (no VS Code involved in building its state). */
const noPins = { pins: { pinnedAt: () => [] } } as unknown as PinscopeContext;

function connectionLine(host: string): string {
  const record = transcripts.closedAfterHandshake(host);
  return JSON.stringify(toConnectionLine(record, judgeConnection(record, noEvidence())));
}

describe('bounded recordings', () => {
  it('summarises a million junk lines: the first ones named, then a count, then where reading stopped', () => {
    const text = `${connectionLine('a.example.com')}\n${'junk\n'.repeat(1_000_000)}`;
    const recorded = readRecordedConnections(text);
    assert.equal(recorded.records.length, 1);
    assert.equal(recorded.skipped.length, 22, recorded.skipped.slice(-3).join('\n'));
    assert.equal(recorded.skipped[0], 'line 2: not JSON (cut off while being written?)');
    assert.equal(recorded.skipped[20], 'and 199979 more lines skipped');
    assert.equal(recorded.skipped[21], 'line 200001 and after: not read (a recording is read up to 200000 lines)');
  });

  it('skips a line longer than 1 MB without parsing it', () => {
    const recorded = readRecordedConnections(`"${'x'.repeat(2 * 1024 * 1024)}"\n${connectionLine('b.example.com')}\n`);
    assert.deepEqual(recorded.skipped, ['line 1: longer than 1 MB: not a connection record']);
    assert.equal(recorded.records.length, 1);
  });

  it('reads a line with a deeply nested value outside the known shape, the value dropped unread', () => {
    const line = connectionLine('c.example.com').replace('"events":[', `"extra":${'['.repeat(100_000)}${']'.repeat(100_000)},"events":[`);
    const recorded = readRecordedConnections(`${line}\n`);
    assert.deepEqual(recorded.skipped, []);
    assert.equal(recorded.records.length, 1);
    assert.ok(!JSON.stringify(recorded.records).includes('extra'));
  });

  it('hands the inspector a bounded list of skipped lines: the first 20, then a count', () => {
    const recording = Recording.read(`${connectionLine('d.example.com')}\n${'{"type":"connection","id":"x"}\n'.repeat(50_000)}`);
    const state = recordingSource(noPins, recording, 'junk.pinscope.jsonl').state('');
    assert.equal(state.recording?.skipped.length, 21);
    assert.equal(state.recording.skipped[0], 'line 2: not a Pinscope connection record');
    assert.equal(state.recording.skipped[20], 'and 49980 more lines skipped');
    assert.equal(recording.records().length, 1);
  });
});
