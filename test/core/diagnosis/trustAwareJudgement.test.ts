/** Transcript tests of the trust-aware judgement: given attributed records, this verdict with this evidence. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTrustAwarePeers, judgeAllWithTrust, judgeWithTrust, type AttributedRecord, type ClientProcess } from '../../../src/core/diagnosis/trustAwareJudgement';
import type { TrustKnowledge } from '../../../src/core/process/trustKnowledge';
import { JA4_CURL, transcripts } from '../../support/transcripts';

function trust(overrides: Partial<TrustKnowledge>): TrustKnowledge {
  return { startedByPinscope: false, runtime: 'curl', runtimeLabel: 'curl', store: 'os', variables: [], osStoreHasCa: false, trustsCa: 'unknown', gap: null, evidence: [], fix: null, ...overrides };
}

const process = (key: string, label: string, knowledge: TrustKnowledge | null = null): ClientProcess => ({ kind: 'local', key, label, trust: knowledge });
const app = process('4242@1000', 'Code terminal › bash › node server.js', trust({ runtime: 'node', runtimeLabel: 'node', trustsCa: 'yes', evidence: ['NODE_EXTRA_CA_CERTS is set and includes the Pinscope CA: this node process was told to trust it.'] }));
const untrustingCurl = process('5151@2000', 'Code terminal › bash › curl pinned.test', trust({
  trustsCa: 'no', gap: 'ca-not-installed', evidence: ['This curl process uses the OS store, which does not include the Pinscope CA, and no trust variable (CURL_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR) points it elsewhere.'], fix: 'Trust the Pinscope CA in the OS store (Export CA Certificate), …',
}));
const at = (client: ClientProcess, record: AttributedRecord['record']): AttributedRecord => ({ client, record });

describe('trust-aware judgement', () => {
  it('one process that fetches an unpinned host and then rejects a pinned one: likely, naming the process', () => {
    const items = [at(app, transcripts.ok('api.unpinned.test', JA4_CURL)), at(app, transcripts.alert('pinned.test', 'certificate_unknown', JA4_CURL))];
    const [ok, pinned] = judgeAllWithTrust(items);
    assert.equal(ok?.pinning, 'unlikely');
    assert.equal(pinned?.pinning, 'likely');
    assert.equal(pinned.cause, 'pinning');
    assert.ok(pinned.evidence.some((e) => e.includes('The same process (Code terminal › bash › node server.js) accepted forged certificates') && e.includes('api.unpinned.test')));
  });

  it('a different process with the same TLS library that does not trust the CA is never likely: a setup gap, with its fix', () => {
    const items = [at(app, transcripts.ok('api.unpinned.test', JA4_CURL)), at(untrustingCurl, transcripts.alert('pinned.test', 'unknown_ca', JA4_CURL))];
    const verdict = judgeAllWithTrust(items)[1];
    assert.equal(verdict?.pinning, 'unlikely');
    assert.equal(verdict.cause, 'ca-not-installed');
    assert.match(verdict.fix ?? '', /Export CA Certificate/);
    assert.ok(verdict.evidence.some((e) => /test-setup gap/.test(e)));
  });

  it('the same fingerprint from a different process, trust unknown, is at most possible and says it is weak', () => {
    const stranger = process('777@3000', 'GNOME Terminal › bash › python3 fetch.py');
    const verdict = judgeAllWithTrust([at(app, transcripts.ok('a.test', JA4_CURL)), at(stranger, transcripts.alert('b.test', 'unknown_ca', JA4_CURL))])[1];
    assert.equal(verdict?.pinning, 'possible');
    assert.equal(verdict.cause, 'fingerprint-only');
    assert.ok(verdict.evidence.some((e) => /^Only weak evidence: another process with the same TLS fingerprint/.test(e) && e.includes('Code terminal › bash › node server.js')));
  });

  it('an app that brings its own trust store is not a suspect, and the fix is in the app', () => {
    const node = process('888@4000', 'Code terminal › bash › node app.js', trust({
      runtime: 'node', runtimeLabel: 'node', store: 'own', trustsCa: 'no', gap: 'app-own-trust-store', osStoreHasCa: true,
      evidence: ['This node process was not told to trust the CA: NODE_EXTRA_CA_CERTS is not set, and Node uses its bundled roots, not the OS store.'],
      fix: 'Start it from a Pinscope terminal (or `pinscope run`), which sets NODE_EXTRA_CA_CERTS. …',
    }));
    // Node in TLS 1.2 completes the handshake before closing: still not pinning when it lacks the CA.
    const verdict = judgeWithTrust(at(node, transcripts.closedAfterHandshake('api.test')), buildTrustAwarePeers([]));
    assert.equal(verdict.pinning, 'unlikely');
    assert.equal(verdict.cause, 'app-own-trust-store');
    assert.match(verdict.fix ?? '', /NODE_EXTRA_CA_CERTS/);
    assert.ok(verdict.evidence.some((e) => /breaks under real inspection too/.test(e)));
  });

  it('confirmation by tunnelling says "breaks only under inspection", not "pins"', () => {
    const item = at(untrustingCurl, transcripts.alert('c.test'));
    const verdict = judgeWithTrust(item, buildTrustAwarePeers([item], new Set(['c.test'])));
    assert.equal(verdict.pinning, 'unlikely');
    assert.equal(verdict.breaksOnlyUnderInspection, true);
    assert.ok(verdict.evidence.some((e) => /confirms the breakage, not a pin/.test(e)));
    const undetermined = judgeWithTrust(at(process('1@1', 'x'), transcripts.alert('d.test')), buildTrustAwarePeers([], new Set(['d.test'])));
    assert.equal(undetermined.pinning, 'possible');
    assert.ok(undetermined.evidence.some((e) => /does not by itself show pinning/.test(e)));
  });

  it('a process told to trust the CA that rejects a host is possible, and says how to be sure', () => {
    const verdict = judgeWithTrust(at(app, transcripts.alert('p.test', 'bad_certificate')), buildTrustAwarePeers([]));
    assert.equal(verdict.pinning, 'possible');
    assert.ok(verdict.evidence.some((e) => /told to trust the CA and still rejected/.test(e)));
  });

  it('a remote device is one client per address and TLS stack', () => {
    const phone: ClientProcess = { kind: 'remote', address: '192.0.2.7', label: 'remote client 192.0.2.7' };
    const likely = judgeAllWithTrust([at(phone, transcripts.ok('a.test', 'JA4X')), at(phone, transcripts.alert('b.test', 'certificate_unknown', 'JA4X'))])[1];
    assert.equal(likely?.pinning, 'likely');
    const otherStack = judgeAllWithTrust([at(phone, transcripts.ok('a.test', 'JA4X')), at(phone, transcripts.alert('b.test', 'certificate_unknown', 'JA4Y'))])[1];
    assert.equal(otherStack?.pinning, 'possible');
  });

  it('an unknown process is never credited with what another one accepted', () => {
    const unknown: ClientProcess = { kind: 'unknown', label: 'unknown process' };
    const verdict = judgeAllWithTrust([at(unknown, transcripts.ok('a.test', JA4_CURL)), at(unknown, transcripts.alert('b.test', 'unknown_ca', JA4_CURL))])[1];
    assert.notEqual(verdict?.pinning, 'likely');
  });

  it('working, non-TLS and mismatched connections are not judged', () => {
    for (const record of [transcripts.ok('a.test'), transcripts.notTls('b.test'), transcripts.mismatch('c.test'), transcripts.upstreamFailed('d.test')]) {
      const verdict = judgeWithTrust(at(app, record), buildTrustAwarePeers([]));
      assert.equal(verdict.pinning, 'unlikely', record.host);
      assert.equal(verdict.cause, 'none', record.host);
    }
  });
});
