/**
 * Transcript tests of the judgement of records without a process (attribution off, older recordings):
 * the TLS fingerprint is the only identity, and the stack is unknown. Per connection and per host.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeConnection, noEvidence, observeFinished } from '../../../src/core/diagnosis/judgement';
import type { Verdict } from '../../../src/core/diagnosis/pinning';
import { breakageHeadline, judgeAll, summariseHosts } from '../../../src/core/diagnosis/hostSummary';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { JA4_APP, JA4_CURL, transcripts } from '../../support/transcripts';
import { hostName } from '../../../src/core/hostNames';

interface Peers {
  readonly records: readonly ConnectionRecord[];
  readonly confirmed?: readonly string[];
}
const noPeers: Peers = { records: [] };
const buildPeerContext = (records: readonly ConnectionRecord[]): Peers => ({ records });
function judge(record: ConnectionRecord, peers: Peers): Verdict {
  const evidence = noEvidence(peers.confirmed?.map(hostName));
  for (const other of peers.records) observeFinished(evidence, other);
  return judgeConnection(record, evidence);
}

describe('pinning judgement', () => {
  it('a handshake completed and then abandoned without data, by a client whose stack is unknown, is only possible (P3), and says what is unknown and what would settle it', () => {
    const verdict = judge(transcripts.closedAfterHandshake('pinned.test'), noPeers);
    assert.equal(verdict.pinning, 'possible');
    assert.equal(verdict.rung, 'P3');
    assert.equal(verdict.cause, 'undetermined');
    assert.ok(
      verdict.evidence.some(
        (e) =>
          /Its process is not known \(process attribution off, or a recording from before it\), so its TLS stack is not known/.test(e) &&
          /inside the handshake \(then it trusted the forged chain and this is a pin\) or after it, as Node and wget do/.test(e) &&
          /To decide:/.test(e),
      ),
      verdict.evidence.join('\n'),
    );
  });

  it('the same completed handshake is likely (L1a) once the same client is seen trusting the CA elsewhere', () => {
    const target = transcripts.closedAfterHandshake('pinned.test');
    assert.equal(judge(target, buildPeerContext([transcripts.ok('a.test', JA4_APP), target])).rung, 'L1a');
  });

  it('an unknown_ca alert alone, from a stack not known, is only possible pinning, and says how to tell', () => {
    const verdict = judge(transcripts.alert('x.test', 'unknown_ca'), noPeers);
    assert.equal(verdict.pinning, 'possible');
    assert.equal(verdict.rung, 'P4');
    assert.ok(verdict.evidence.some((e) => /cannot tell pinning from distrust/.test(e) && /To decide:/.test(e)));
  });

  it('an alert from a client that accepted other intercepted hosts is likely pinning', () => {
    const target = transcripts.alert('pinned.test', 'certificate_unknown', JA4_APP);
    const verdict = judge(target, buildPeerContext([transcripts.ok('a.test', JA4_APP), transcripts.ok('b.test', JA4_APP), target]));
    assert.equal(verdict.pinning, 'likely');
    assert.ok(verdict.evidence.some((e) => e.includes(JA4_APP) && /a\.test, b\.test/.test(e)));
  });

  it('a different client (another JA4) accepting other hosts proves nothing', () => {
    const target = transcripts.alert('pinned.test', 'unknown_ca', JA4_APP);
    assert.equal(judge(target, buildPeerContext([transcripts.ok('a.test', JA4_CURL), target])).pinning, 'possible');
  });

  it('a client that rejects every host does not trust the CA: pinning unlikely', () => {
    const target = transcripts.alert('a.test', 'unknown_ca', JA4_APP);
    const verdict = judge(
      target,
      buildPeerContext([target, transcripts.alert('b.test', 'unknown_ca', JA4_APP), transcripts.alert('c.test', 'unknown_ca', JA4_APP)]),
    );
    assert.equal(verdict.pinning, 'unlikely');
    assert.ok(verdict.evidence.some((e) => /does not trust the Pinscope CA/.test(e)));
  });

  it('a FIN after our flight (Node, TLS 1.3) is possible, and likely when the client trusts the CA elsewhere', () => {
    assert.equal(judge(transcripts.finAfterFlight('p.test'), noPeers).pinning, 'possible');
    const target = transcripts.finAfterFlight('p.test', JA4_APP);
    assert.equal(judge(target, buildPeerContext([transcripts.ok('ok.test', JA4_APP), target])).pinning, 'likely');
  });

  it('a reset or silence after our certificate is possible pinning', () => {
    assert.equal(judge(transcripts.reset('r.test'), noPeers).pinning, 'possible');
    assert.equal(judge(transcripts.silence('s.test'), noPeers).pinning, 'possible');
  });

  it('working, non-TLS, mismatched and unreachable connections are not pinning', () => {
    for (const record of [
      transcripts.ok('a.test'),
      transcripts.notTls('b.test'),
      transcripts.mismatch('c.test'),
      transcripts.upstreamFailed('d.test'),
    ]) {
      assert.equal(judge(record, noPeers).pinning, 'unlikely', record.host);
    }
  });

  it('confirmation by tunnelling is said, and does not by itself make a pin', () => {
    const verdict = judge(transcripts.alert('c.test'), { ...noPeers, confirmed: ['c.test'] });
    assert.equal(verdict.pinning, 'possible');
    assert.equal(verdict.confirmed, true);
    assert.ok(verdict.evidence.some((e) => /breaks only under inspection/.test(e)));
  });

  it('summarises hosts with counts and a plain headline', () => {
    const records = [
      transcripts.ok('ok.test', JA4_APP),
      transcripts.ok('ok.test', JA4_APP),
      transcripts.closedAfterHandshake('pin.test', JA4_APP),
      transcripts.closedAfterHandshake('pin.test', JA4_APP),
      transcripts.alert('other.test', 'certificate_unknown', JA4_APP),
      transcripts.reset('flaky.test', 'unknown-fingerprint'),
    ];
    const hosts = summariseHosts(judgeAll(records));
    const pin = hosts.find((h) => h.host === 'pin.test');
    assert.ok(pin);
    assert.equal(pin.connections, 2);
    assert.deepEqual(pin.categories, { 'closed-after-handshake': 2 });
    assert.equal(pin.pinning, 'likely');
    assert.equal(hosts.find((h) => h.host === 'ok.test')?.breaks, false);
    assert.equal(breakageHeadline(hosts), '3 hosts break under inspection; 2 likely pin');
  });
});
