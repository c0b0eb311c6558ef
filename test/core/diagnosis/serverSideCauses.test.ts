/** Breakage seen on the server's side is never pinning and never evidence about the client's trust. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeConnection, noEvidence } from '../../../src/core/diagnosis/judgement';
import { judgeAll, summariseHosts } from '../../../src/core/diagnosis/hostSummary';
import { hasEvidence, selectHosts } from '../../../src/core/exemptions/hostSelection';
import { JA4_CURL, transcripts } from '../../support/transcripts';
import type { ConnectionRecord } from '../../../src/core/timeline';
import type { ConnectionClient } from '../../../src/core/process/connectionClients';

const curl: ConnectionClient = { process: { kind: 'local', label: 'curl https://mtls.test/', pid: 77, startTime: '77', name: 'curl', path: '/usr/bin/curl', command: 'curl https://mtls.test/', app: null }, trust: null };
const fromCurl = (record: ConnectionRecord): ConnectionRecord => ({ ...record, client: curl });

describe('a server that demands a client certificate', () => {
  it('is judged not pinning, with the cause, the vendor\'s words and the fix (JA4 judgement)', () => {
    const verdict = judgeConnection(transcripts.clientCertificateRequired('mtls.test'), noEvidence());
    assert.equal(verdict.category, 'client-cert-required');
    assert.equal(verdict.pinning, 'unlikely');
    assert.ok(verdict.evidence.some((e: string) => e.includes('Client Certificate Authentication')));
  });

  it('is judged not pinning with the process known, and does not count as the process distrusting the CA', () => {
    const records = [transcripts.clientCertificateRequired('mtls.test', JA4_CURL), transcripts.clientCertificateRequired('mtls2.test', JA4_CURL), transcripts.closedAfterHandshake('pinned.test', JA4_CURL)].map(fromCurl);
    const [first, , pinned] = judgeAll(records).map((j) => j.verdict);
    assert.equal(first?.cause, 'client-certificate');
    assert.equal(first.pinning, 'unlikely');
    assert.match(first.fix ?? '', /--client-cert/);
    assert.equal(pinned?.cause, 'pinning');
    assert.ok(!pinned.evidence.some((e: string) => e.includes('also broke on mtls')), pinned.evidence.join('\n'));
  });

  it('is always requested for exemption', () => {
    const summaries = summariseHosts(judgeAll([transcripts.clientCertificateRequired('mtls.test')]));
    assert.ok(summaries[0] && hasEvidence(summaries[0]));
    assert.deepEqual(selectHosts(summaries, { hosts: [] }).requested.map((s) => s.host), ['mtls.test']);
  });
});
