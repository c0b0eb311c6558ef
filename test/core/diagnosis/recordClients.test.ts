/**
 * The trust-aware judgement wired into the diagnosis, reports and recordings, as transcripts: records
 * with a process are judged by what that process did and whether it trusts the CA, records without one
 * keep the JA4 judgement; a host whose app lacks the CA is never requested as an exemption, even when
 * confirmed by tunnelling; recordings with and without the new fields read back.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Diagnosis } from '../../../src/core/diagnosis/diagnosis';
import { judgeAll, summariseHosts } from '../../../src/core/diagnosis/hostSummary';
import { selectHosts } from '../../../src/core/exemptions/hostSelection';
import { readRecordedConnections } from '../../../src/core/exemptions/recordedConnections';
import { attributedAppName } from '../../../src/core/exemptions/attributedApp';
import type { ConnectionClient } from '../../../src/core/record/client';
import { toConnectionLine } from '../../../src/core/report/connectionReport';
import { toConnectionDetail, toConnectionRow } from '../../../src/core/report/inspectorRows';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { JA4_CURL, transcripts } from '../../support/transcripts';
import { hostName } from '../../../src/core/hostNames';

function local(pid: number, name: string, trust: ConnectionClient['trust'] = null): ConnectionClient {
  return {
    process: {
      kind: 'local',
      label: `bash › ${name}`,
      pid,
      startTime: String(pid * 10),
      name,
      path: `/usr/bin/${name}`,
      command: `${name} --token ***`,
      app: null,
    },
    trust,
  };
}
const lacksCa: ConnectionClient['trust'] = {
  runtime: 'curl',
  runtimeLabel: 'curl',
  trustsCa: 'no',
  gap: 'ca-not-installed',
  startedByPinscope: false,
  variables: [{ name: 'CURL_CA_BUNDLE', set: false, includesCa: null }],
  evidence: ['This curl process uses the OS store, which does not include the Pinscope CA.'],
  fix: 'Trust the Pinscope CA in the OS store (Export CA Certificate), then retry.',
};
const withClient = (record: ConnectionRecord, client: ConnectionClient): ConnectionRecord => Object.assign(record, { client });

describe('the trust-aware judgement in the diagnosis', () => {
  it('live: another curl process that accepted a host does not make an untrusting curl "likely" (JA4 alone did)', () => {
    const accepted = withClient(transcripts.ok('fine.test', JA4_CURL), local(100, 'curl'));
    const rejected = withClient(transcripts.alert('gap.test', 'unknown_ca', JA4_CURL), local(101, 'curl', lacksCa));
    const diagnosis = new Diagnosis();
    diagnosis.finished(accepted, () => true);
    const verdict = diagnosis.finished(rejected, () => true);
    assert.equal(verdict.pinning, 'unlikely');
    assert.equal('cause' in verdict && verdict.cause, 'ca-not-installed');
    // The same records without a process keep the JA4 judgement: likely.
    const old = new Diagnosis();
    old.finished(transcripts.ok('fine.test', JA4_CURL), () => true);
    assert.equal(old.finished(transcripts.alert('gap.test', 'unknown_ca', JA4_CURL), () => true).pinning, 'likely');
  });

  it('live: the same process accepting one host and rejecting another is likely', () => {
    const diagnosis = new Diagnosis();
    diagnosis.finished(withClient(transcripts.ok('api.test', JA4_CURL), local(200, 'node')), () => true);
    const verdict = diagnosis.finished(
      withClient(transcripts.alert('pinned.test', 'bad_certificate', JA4_CURL), local(200, 'node')),
      () => true,
    );
    assert.equal(verdict.pinning, 'likely');
  });

  it('a host whose app lacks the CA, confirmed by tunnelling, breaks only under inspection and is still never requested; the fix is said', () => {
    const records = [withClient(transcripts.alert('gap.test', 'unknown_ca'), local(300, 'curl', lacksCa))];
    const judged = judgeAll(records, new Set([hostName('gap.test')]));
    const verdict = judged[0]?.verdict;
    assert.ok(verdict?.confirmed);
    assert.equal(verdict.pinning, 'unlikely');
    assert.equal(verdict.rung, 'U1');
    const [summary] = summariseHosts(judged);
    assert.ok(summary);
    assert.equal(summary.confirmed, true);
    assert.equal(summary.cause, 'ca-not-installed');
    assert.deepEqual(summary.apps, ['curl']);
    const selection = selectHosts([summary], { hosts: [], includePossible: true });
    assert.deepEqual(selection.requested, []);
    assert.match(selection.leftOut[0]?.reason ?? '', /CA is not installed where it looks.*Fix: Trust the Pinscope CA/);
  });

  it('the JSONL line, the inspector row and the detail carry the process (redacted), never an environment value', () => {
    const record = withClient(transcripts.alert('gap.test', 'unknown_ca'), local(400, 'curl', lacksCa));
    const verdict = judgeAll([record])[0]?.verdict;
    assert.ok(verdict);
    const line = toConnectionLine(record, verdict);
    assert.equal(line.process?.pid, 400);
    assert.equal(line.process.command, 'curl --token ***');
    assert.equal(line.trust?.gap, 'ca-not-installed');
    assert.equal(line.cause, 'ca-not-installed');
    assert.equal(toConnectionRow(record, verdict).app, 'curl');
    const detail = toConnectionDetail(record, verdict);
    assert.ok(detail.process?.some((l) => l.includes('CURL_CA_BUNDLE not set')));
    assert.equal(toConnectionLine(transcripts.ok('old.test'), verdict).process, null);
    assert.equal(toConnectionRow(transcripts.ok('old.test'), verdict).app, undefined);
  });

  it('recordings: new lines read back with their process and trust and judge the same; old lines and malformed process fields read without', () => {
    const accepted = withClient(transcripts.ok('fine.test', JA4_CURL), local(500, 'curl'));
    const rejected = withClient(transcripts.alert('gap.test', 'unknown_ca', JA4_CURL), local(501, 'curl', lacksCa));
    const lines = judgeAll([accepted, rejected]).map(({ record, verdict }) => JSON.stringify(toConnectionLine(record, verdict)));
    const old = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    delete old['process'];
    delete old['trust'];
    const malformed = { ...(JSON.parse(lines[1] ?? '{}') as Record<string, unknown>), id: 99, process: { kind: 'local', label: 7 } };
    const { records, skipped } = readRecordedConnections([...lines, JSON.stringify(old), JSON.stringify(malformed)].join('\n'));
    assert.deepEqual(skipped, []);
    assert.equal(records.length, 4);
    assert.equal(records[1]?.client?.trust?.gap, 'ca-not-installed');
    assert.equal(records[2]?.client, undefined);
    assert.equal(records[3]?.client, undefined);
    const rejudged = judgeAll(records.slice(0, 2));
    assert.equal(rejudged[1]?.verdict.pinning, 'unlikely');
    assert.equal(attributedAppName(records.slice(0, 2)), undefined, 'curl is a generic tool, never proposed as the app');
  });
});
