/** Breakage seen on the server's side is never pinning and never evidence about the client's trust. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeConnection, noEvidence } from '../../../src/core/diagnosis/judgement';
import type { ConnectionClient } from '../../../src/core/record/client';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { judgeAll, summariseHosts } from '../../../src/core/diagnosis/hostSummary';
import { hasEvidence, selectHosts } from '../../../src/core/exemptions/hostSelection';
import { JA4_CURL, transcripts } from '../../support/transcripts';
import { classify } from '../../../src/core/diagnosis/classification';

const curl: ConnectionClient = {
  process: {
    kind: 'local',
    label: 'curl https://mtls.test/',
    pid: 77,
    startTime: '77',
    name: 'curl',
    path: '/usr/bin/curl',
    command: 'curl https://mtls.test/',
    app: null,
  },
  trust: null,
};
const fromCurl = (record: ConnectionRecord): ConnectionRecord => ({ ...record, client: curl });
const judgeFromCurl = (records: readonly ConnectionRecord[]): ReturnType<typeof judgeConnection>[] =>
  judgeAll(records.map(fromCurl)).map((j) => j.verdict);

describe('a server that demands a client certificate', () => {
  it("is judged not pinning, with the cause, the vendor's words and the fix (JA4 judgement)", () => {
    const verdict = judgeConnection(transcripts.clientCertificateRequired('mtls.test'), noEvidence());
    assert.equal(verdict.category, 'client-cert-required');
    assert.equal(verdict.pinning, 'unlikely');
    assert.ok(verdict.evidence.some((e) => e.includes('Client Certificate Authentication')));
  });

  it('is judged not pinning with the process known, and does not count as the process distrusting the CA', () => {
    const records = [
      transcripts.clientCertificateRequired('mtls.test', JA4_CURL),
      transcripts.clientCertificateRequired('mtls2.test', JA4_CURL),
      transcripts.closedAfterHandshake('pinned.test', JA4_CURL),
    ];
    const [first, , pinned] = judgeFromCurl(records);
    assert.equal(first?.cause, 'client-certificate');
    assert.equal(first.pinning, 'unlikely');
    assert.match(first.fix ?? '', /--client-cert/);
    assert.equal(pinned?.cause, 'pinning');
    assert.ok(!pinned.evidence.some((e) => e.includes('also broke on mtls')), pinned.evidence.join('\n'));
  });

  it('is always requested for exemption', () => {
    const summaries = summariseHosts(judgeAll([transcripts.clientCertificateRequired('mtls.test')]));
    assert.ok(summaries[0] && hasEvidence(summaries[0]));
    assert.deepEqual(
      selectHosts(summaries, { hosts: [] }).requested.map((s) => s.host),
      ['mtls.test'],
    );
  });
});

describe('causes an inspection profile reveals', () => {
  it('a client asking for HTTP/2 only, under a path without it, is a mismatch named http2-not-offered, never pinning', () => {
    const [verdict] = judgeFromCurl([transcripts.throughPath('grpc.test', ['h2'])]);
    assert.equal(verdict?.category, 'tls-mismatch');
    assert.equal(verdict.cause, 'http2-not-offered');
    assert.equal(verdict.pinning, 'unlikely');
    assert.match(verdict.reason, /HTTP\/2 only/);
    assert.match(verdict.fix ?? '', /HTTP\/2/);
  });

  it('a client offering HTTP/2 and HTTP/1.1 gets HTTP/1.1 and works: no mismatch', () => {
    assert.equal(classify(transcripts.throughPath('web.test', ['h2', 'http/1.1'], { negotiated: 'http/1.1' })).category, 'ok');
  });

  it('a client offering only TLS 1.3 against a path capped at TLS 1.2 is a mismatch named tls-version', () => {
    const record = transcripts.throughPath('tls13.test', ['http/1.1'], {
      versions: ['TLSv1.3'],
      tlsVersions: ['TLSv1.2', 'TLSv1.2'],
      alpnWithheld: [],
    });
    assert.match(classify(record).reason, /offers only TLSv1\.3.*offers TLSv1\.2/);
    const verdict = judgeConnection(record, noEvidence());
    assert.equal(verdict.category, 'tls-mismatch');
    assert.ok(verdict.evidence.some((e) => /TLS version/.test(e)));
  });
});

describe('what a rejection under an intermediate profile says about the pin', () => {
  const underProfile = (profile: string): ReturnType<typeof transcripts.closedAfterHandshake> => {
    const record = transcripts.closedAfterHandshake('pinned.test');
    return {
      ...record,
      events: record.events.map((e) =>
        e.kind === 'forged-certificate'
          ? { ...e, path: { profile, chainLength: 2, tlsVersions: ['TLSv1.2', 'TLSv1.3'] as const, alpnWithheld: [] } }
          : e,
      ),
    };
  };

  it("with the organisation's intermediate sent, an app pinning it is ruled out: the leaf or the real root is pinned", () => {
    const result = classify(underProfile('own-intermediate'));
    assert.equal(result.category, 'closed-after-handshake');
    assert.match(result.reason, /pins the leaf or the real server's key or root/);
  });

  it('with a vendor lookalike, it says a pin on the real vendor intermediate cannot be told apart; without a profile, nothing is added', () => {
    assert.match(classify(underProfile('zscaler')).reason, /lookalike of the zscaler intermediate/);
    assert.doesNotMatch(classify(transcripts.closedAfterHandshake('pinned.test')).reason, /intermediate/);
  });
});

describe('recordings from elsewhere', () => {
  it('a malformed path or hello in a recording is read as no profile, never a crash', () => {
    const record = transcripts.closedAfterHandshake('odd.test');
    const odd = {
      ...record,
      events: record.events.map((e) =>
        e.kind === 'forged-certificate'
          ? { ...e, path: { profile: 'zscaler' } }
          : e.kind === 'client-hello'
            ? { ...e, hello: { ...e.hello, versions: undefined } }
            : e,
      ),
    } as unknown as typeof record;
    assert.equal(classify(odd).category, 'closed-after-handshake');
  });
});
