/** The CI gate's memory: baseline round trip, which breaks are known and why, JUnit skipped cases, annotations. */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HostSummary } from '../../../src/core/diagnosis/hostSummary';
import { BaselineError, knownGateBreaks, parseBaseline, renderBaseline } from '../../../src/core/report/ciBaseline';
import { parseExemptionList } from '../../../src/core/report/exemptionList';
import { githubAnnotations } from '../../../src/core/report/githubAnnotations';
import { renderJunit } from '../../../src/core/report/junit';
import { runClient } from '../../support/clients';
import { ROOT } from '../../support/cli';
import { temporaryDirectory } from '../../support/temporaryDirectories';
import { hostName } from '../../../src/core/hostNames';

function host(name: string, breaks: boolean, pinning: HostSummary['pinning'] = 'likely'): HostSummary {
  return {
    host: hostName(name),
    port: 443,
    connections: 1,
    categories: breaks ? { 'closed-after-handshake': 1 } : { ok: 1 },
    breaks,
    pinning: breaks ? pinning : 'unlikely',
    confirmed: false,
    evidence: ['seen'],
    alerts: [],
    fingerprints: [],
    cause: breaks ? 'pinning' : null,
    firstSeen: 0,
    lastSeen: 0,
  };
}

describe('the CI baseline', () => {
  const hosts = [host('pinned.test', true), host('ok.test', false), host('maybe.test', true, 'possible')];

  it('round-trips the hosts that break, and nothing else', () => {
    const baseline = parseBaseline(renderBaseline(hosts, new Date(0)), 'b.json');
    assert.deepEqual([...baseline.keys()], ['maybe.test', 'pinned.test']);
    assert.equal(baseline.get('pinned.test')?.evidence, 'likely');
  });

  it('refuses what is not a baseline, saying why', () => {
    assert.throws(
      () => parseBaseline('nope', 'b.json'),
      (e: unknown) => e instanceof BaselineError && /b\.json is not JSON/.test(e.message),
    );
    assert.throws(() => parseBaseline('{"format":"pinscope-baseline","version":9,"hosts":[]}', 'b.json'), /baseline version 9/);
    assert.throws(
      () => parseBaseline('{"format":"pinscope-baseline","version":1,"hosts":[{"port":1}]}', 'b.json'),
      /hosts\[0\] has no "host"/,
    );
  });

  it('knows a break from the baseline, the approved list or the known-bypass data; a new one stays failing', () => {
    const baseline = parseBaseline(renderBaseline([host('pinned.test', true)], new Date(0)), 'b.json');
    const current = [
      host('pinned.test', true),
      host('new.test', true),
      host('approved.test', true),
      host('albert.apple.com', true),
      host('maybe.test', true, 'possible'),
    ];
    const known = knownGateBreaks(current, 'pinning', { baseline, exempted: parseExemptionList('approved.test\n') });
    assert.match(known.get('pinned.test') ?? '', /in the baseline/);
    assert.match(known.get('approved.test') ?? '', /already exempted/);
    assert.equal(known.has('new.test'), false);
    assert.equal(known.has('maybe.test'), false, 'does not fail the pinning gate anyway');
    assert.match(known.get('albert.apple.com') ?? '', /^known bypass: /);
  });

  it('JUnit: known breaks are skipped with the reason, valid against the Jenkins schema; annotations say notice', async () => {
    const current = [host('pinned.test', true), host('new.test', true), host('ok.test', false)];
    const known = new Map([['pinned.test', 'known break, in the baseline']]);
    const xml = renderJunit(current, {
      command: 'npm test',
      failOn: 'pinning',
      startedAt: new Date(0),
      durationMs: 1,
      hostname: 'ci',
      known,
    });
    assert.match(xml, /tests="3" failures="1" errors="0" skipped="1"/);
    assert.match(xml, /<testcase name="pinned\.test:443"[^>]*>\n {6}<skipped>[^<]*not failing, known break, in the baseline<\/skipped>/);
    const file = join(temporaryDirectory('junit-skipped'), 'junit.xml');
    writeFileSync(file, xml);
    const lint = await runClient('xmllint', [
      '--noout',
      '--schema',
      join(ROOT, 'test', 'core', 'report', 'schemas', 'jenkins-junit.xsd'),
      file,
    ]);
    assert.equal(lint.code, 0, lint.stderr);
    const annotations = githubAnnotations(current, 'pinning', known).split('\n').filter(Boolean);
    assert.deepEqual(
      annotations.map((a) => a.slice(0, a.indexOf(' '))),
      ['::error', '::notice'],
    );
  });
});
