/**
 * The evidence ladder as transcripts (docs/judgement.md): given a process, its launch's trust and these
 * events, this rung. Wire evidence first; a missing trust variable is never enough for "unlikely".
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Diagnosis } from '../../../src/core/diagnosis/diagnosis';
import { judgeAll } from '../../../src/core/diagnosis/hostSummary';
import { judgeConnection, noEvidence, observeFinished } from '../../../src/core/diagnosis/judgement';
import { RUNG_IDS, RUNGS } from '../../../src/core/diagnosis/ladder';
import type { Verdict } from '../../../src/core/diagnosis/pinning';
import type { ConnectionClient, TrustSummary } from '../../../src/core/record/client';
import type { Runtime } from '../../../src/core/record/runtimes';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { JA4_APP, JA4_CURL, transcripts } from '../../support/transcripts';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

function trust(
  runtime: Runtime,
  trustsCa: TrustSummary['trustsCa'],
  gap: TrustSummary['gap'] = trustsCa === 'no' ? 'app-own-trust-store' : null,
): TrustSummary {
  return {
    runtime,
    runtimeLabel: runtime,
    trustsCa,
    gap,
    startedByPinscope: trustsCa === 'yes',
    variables: [],
    evidence: [trustsCa === 'yes' ? `Its launch includes the CA (${runtime}).` : `Its launch does not include the CA (${runtime}).`],
    fix: trustsCa === 'no' ? 'Point its variables at the CA.' : null,
  };
}

let pid = 1000;
function by(runtime: Runtime, trustsCa: TrustSummary['trustsCa'], gap?: TrustSummary['gap']): ConnectionClient {
  pid++;
  return {
    process: {
      kind: 'local',
      label: `bash › ${runtime} app`,
      pid,
      startTime: String(pid),
      name: runtime,
      path: `/usr/bin/${runtime}`,
      command: `${runtime} app`,
      app: null,
    },
    trust: trust(runtime, trustsCa, gap),
  };
}
const at = (client: ConnectionClient, record: ConnectionRecord): ConnectionRecord => Object.assign(record, { client });

/** Judges the last record with all of them as evidence. */
function judged(...records: ConnectionRecord[]): Verdict {
  const evidence = noEvidence();
  for (const record of records) observeFinished(evidence, record);
  const last = records.at(-1);
  assert.ok(last);
  return judgeConnection(last, evidence);
}

describe('the evidence ladder', () => {
  it('L1c: a client alone that completed the handshake on an in-handshake stack (Python, curl, Go, Java, Ruby) and left without data is likely, whatever its environment says', () => {
    for (const runtime of ['python', 'curl', 'go', 'java', 'ruby', 'gnutls'] as const) {
      const verdict = judged(at(by(runtime, 'no'), transcripts.closedAfterHandshake(`${runtime}.pinned.test`)));
      assert.equal(verdict.pinning, 'likely', runtime);
      assert.equal(verdict.rung, 'L1c', runtime);
      assert.equal(verdict.cause, 'pinning');
    }
  });

  it('L1c holds when the trust knowledge missed its deadline: the runtime is known by the process name', () => {
    const python: ConnectionClient = {
      process: {
        kind: 'local',
        label: 'bash › python3.11',
        pid: 77,
        startTime: '77',
        name: 'python3.11',
        path: '/usr/bin/python3.11',
        command: 'python3.11 app.py',
        app: null,
      },
      trust: null,
    };
    assert.equal(judged(at(python, transcripts.closedAfterHandshake('late.test'))).rung, 'L1c');
  });

  it('P3: Node and wget complete the handshake whatever the chain, so a completed handshake is only possible', () => {
    for (const runtime of ['node', 'wget'] as const) {
      const verdict = judged(at(by(runtime, 'no'), transcripts.closedAfterHandshake(`${runtime}.test`)));
      assert.equal(verdict.rung, 'P3', runtime);
      assert.equal(verdict.pinning, 'possible');
    }
  });

  it('P3: a completed handshake on a stack not known to check the chain inside it (an unrecognised program, .NET, an unidentified process) is only possible, and says what is unknown', () => {
    const program: ConnectionClient = {
      process: {
        kind: 'local',
        label: 'bash › acme-agent',
        pid: 88,
        startTime: '88',
        name: 'acme-agent',
        path: '/opt/acme/acme-agent',
        command: 'acme-agent',
        app: null,
      },
      trust: null,
    };
    const unidentified: ConnectionClient = {
      process: { kind: 'unknown', label: 'unknown process', reason: 'its socket was gone' },
      trust: null,
    };
    const cases: [string, ConnectionClient, RegExp][] = [
      ['unrecognised program', program, /Its program \(acme-agent\) is not one whose TLS stack Pinscope knows/],
      [
        '.NET',
        by('dotnet', 'no'),
        /Its TLS stack \(OpenSSL through \.NET[^)]*\)\) is known, but not whether it checks the chain inside the handshake/,
      ],
      ['unidentified', unidentified, /Its process could not be identified, so its TLS stack is not known/],
    ];
    for (const [name, client, words] of cases) {
      const verdict = judged(at(client, transcripts.closedAfterHandshake(`${name.replace(/\W/g, '')}.test`)));
      assert.equal(verdict.pinning, 'possible', name);
      assert.equal(verdict.rung, 'P3', name);
      assert.ok(
        verdict.evidence.some((e) => words.test(e) && /To decide: have the same process fetch another intercepted host/.test(e)),
        `${name}: ${verdict.evidence.join(' | ')}`,
      );
    }
  });

  it('P1: a lone rejection from a client not told to trust the CA is possible, never unlikely, and names the next step', () => {
    const cases: [Runtime, ConnectionRecord][] = [
      ['node', transcripts.finAfterFlight('n.test')],
      ['java', transcripts.alert('j.test', 'certificate_unknown')],
      ['go', transcripts.alert('g.test', 'bad_certificate')],
      ['ruby', transcripts.alert('r.test', 'bad_certificate')],
      ['python', transcripts.reset('p.test')],
      ['gnutls', transcripts.alert('t.test', 'bad_certificate')],
    ];
    for (const [runtime, record] of cases) {
      const verdict = judged(at(by(runtime, 'no'), record));
      assert.equal(verdict.pinning, 'possible', runtime);
      assert.equal(verdict.rung, 'P1', runtime);
      assert.ok(
        verdict.evidence.some((e) =>
          e.includes(
            'Not told to trust the CA through its environment or command line; if it trusts the CA another way (its code, a config file, a keystore flag), this is a pin.',
          ),
        ),
        runtime,
      );
      assert.match(verdict.fix ?? '', /^To decide:/);
    }
  });

  it('U1: an unknown-issuer alert on a stack that sends it for nothing else is unlikely, with its cause and fix', () => {
    const verdict = judged(at(by('python', 'no', 'ca-not-installed'), transcripts.alert('p.test', 'unknown_ca')));
    assert.equal(verdict.rung, 'U1');
    assert.equal(verdict.pinning, 'unlikely');
    assert.equal(verdict.cause, 'ca-not-installed');
    assert.equal(verdict.fix, 'Point its variables at the CA.');
    // Java and GnuTLS send the same alert whether they pin or lack the CA: no statement of distrust.
    assert.equal(judged(at(by('java', 'no'), transcripts.alert('j.test', 'certificate_unknown'))).pinning, 'possible');
    assert.equal(judged(at(by('gnutls', 'no'), transcripts.alert('g.test', 'bad_certificate'))).pinning, 'possible');
  });

  it("L1b: a process whose launch told it to trust the CA, by its runtime's rules, that rejects a host is likely", () => {
    for (const [runtime, record] of [
      ['go', transcripts.alert('g.test', 'bad_certificate')],
      ['node', transcripts.finAfterFlight('n.test')],
      ['java', transcripts.alert('j.test', 'certificate_unknown')],
    ] as const) {
      const verdict = judged(at(by(runtime, 'yes'), record));
      assert.equal(verdict.rung, 'L1b', runtime);
      assert.equal(verdict.pinning, 'likely');
    }
  });

  it('a distrust alert outranks the launch: told to trust the CA and still "unknown issuer" is its own trust store, not a pin', () => {
    const verdict = judged(at(by('go', 'yes'), transcripts.alert('g.test', 'unknown_ca')));
    assert.equal(verdict.rung, 'U1');
    assert.equal(verdict.cause, 'app-own-trust-store');
    assert.ok(verdict.evidence.some((e) => /uses a trust store of its own/.test(e)));
  });

  it('L1a outranks a distrust alert: one process trusting the CA for one host and not another is per-host anchoring', () => {
    const python = by('python', 'no');
    const verdict = judged(
      at(python, transcripts.ok('api.test', JA4_CURL)),
      at(python, transcripts.alert('pinned.test', 'unknown_ca', JA4_CURL)),
    );
    assert.equal(verdict.rung, 'L1a');
    assert.equal(verdict.pinning, 'likely');
    assert.ok(
      verdict.evidence.some(
        (e) => e.includes('The same process (bash › python app) accepted forged certificates') && e.includes('api.test'),
      ),
    );
  });

  it('U2: the same process rejecting every host and accepting none is unlikely; a launch that includes the CA outranks it', () => {
    const java = by('java', 'no');
    const verdict = judged(
      at(java, transcripts.alert('a.test', 'certificate_unknown')),
      at(java, transcripts.alert('b.test', 'certificate_unknown')),
    );
    assert.equal(verdict.rung, 'U2');
    assert.equal(verdict.pinning, 'unlikely');
    assert.equal(verdict.cause, 'app-own-trust-store');
    const told = by('java', 'yes');
    assert.equal(
      judged(at(told, transcripts.alert('a.test', 'certificate_unknown')), at(told, transcripts.alert('b.test', 'certificate_unknown')))
        .rung,
      'L1b',
    );
  });

  it('P2: another process with the same fingerprint accepting hosts is weak evidence; an unknown process is P4', () => {
    const verdict = judged(
      at(by('curl', 'unknown'), transcripts.ok('a.test', JA4_APP)),
      at(by('curl', 'unknown'), transcripts.alert('b.test', 'bad_certificate', JA4_APP)),
    );
    assert.equal(verdict.rung, 'P2');
    assert.equal(verdict.cause, 'fingerprint-only');
    const unknown: ConnectionClient = { process: { kind: 'unknown', label: 'unknown process' }, trust: null };
    assert.equal(judged(at(unknown, transcripts.ok('a.test')), at({ ...unknown }, transcripts.alert('b.test', 'unknown_ca'))).rung, 'P4');
  });

  it('N0 and N1: working, non-TLS, mismatched and unreachable connections, and clients that left before the certificate, are not judged as pins', () => {
    for (const record of [
      transcripts.ok('a.test'),
      transcripts.notTls('b.test'),
      transcripts.mismatch('c.test'),
      transcripts.upstreamFailed('d.test'),
    ]) {
      const verdict = judged(at(by('curl', 'yes'), record));
      assert.equal(verdict.rung, 'N0', record.host);
      assert.equal(verdict.cause, 'none');
    }
  });

  it('every rung is documented in docs/judgement.md, with its verdict', () => {
    const doc = readFileSync(resolve(ROOT, 'docs', 'judgement.md'), 'utf8');
    for (const id of RUNG_IDS) assert.match(doc, new RegExp(`\\| \`${id}\` \\| ${RUNGS[id].pinning} \\|`), id);
  });
});

describe('the ladder, live', () => {
  it('an acceptance counts the moment the client sends data, while its connection stays open (a kept-alive HTTP client)', () => {
    const go = by('go', 'no');
    const diagnosis = new Diagnosis();
    const open = at(go, transcripts.ok('api.test', JA4_APP));
    const closedAt = open.events.findIndex((e) => e.kind === 'fin');
    open.events.splice(closedAt);
    open.finished = false;
    const data = open.events.find((e) => e.kind === 'first-data' && e.from === 'client');
    assert.ok(data);
    diagnosis.event(open, data);
    const verdict = diagnosis.finished(at(go, transcripts.alert('pinned.test', 'bad_certificate', JA4_APP)), () => true);
    assert.equal(verdict.rung, 'L1a');
    assert.equal(verdict.pinning, 'likely');
    // The whole-recording judgement counts the open connection's acceptance too.
    const rejected = at(go, transcripts.alert('pinned.test', 'bad_certificate', JA4_APP));
    assert.equal(judgeAll([open, rejected]).find((j) => j.record === rejected)?.verdict.rung, 'L1a');
  });

  it('an acceptance seen before its process was known is credited to that process once it is', () => {
    const diagnosis = new Diagnosis();
    const node = by('node', 'no');
    const accepted = transcripts.ok('api.test', JA4_APP);
    accepted.finished = false;
    const data = accepted.events.find((e) => e.kind === 'first-data' && e.from === 'client');
    assert.ok(data);
    diagnosis.event(accepted, data);
    accepted.client = node;
    const verdict = diagnosis.finished(at(node, transcripts.finAfterFlight('pinned.test')), () => true);
    assert.equal(verdict.rung, 'L1a');
  });

  it('a verdict read later is judged again with what came after it; rejudge takes a late process', () => {
    const diagnosis = new Diagnosis();
    const ruby = by('ruby', 'no');
    const rejected = at(ruby, transcripts.alert('pinned.test', 'bad_certificate'));
    assert.equal(diagnosis.finished(rejected, () => true).rung, 'P1');
    diagnosis.finished(at(ruby, transcripts.ok('api.test')), () => true);
    assert.equal(diagnosis.verdictOf(rejected.id)?.rung, 'L1a');
    assert.equal(diagnosis.liveHosts().find((h) => h.host === 'pinned.test')?.pinning, 'likely');
    // Judged before its process was known (stack unknown: P3); its process, Node, completes any handshake (P3 too);
    // Python checks the chain inside the handshake (L1c).
    const late = transcripts.closedAfterHandshake('late.test');
    assert.equal(diagnosis.finished(late, () => true).rung, 'P3');
    late.client = by('node', 'no');
    assert.equal(diagnosis.rejudge(late, () => true).rung, 'P3');
    late.client = by('python', 'no');
    assert.equal(diagnosis.rejudge(late, () => true).rung, 'L1c');
  });
});
