/**
 * Beyond one run, end to end with real curl through `pinscope run`: three runs (a pin, a client that
 * does not trust the CA, a confirmation by tunnelling) merged into one request by the ladder; a CI
 * baseline that passes on the same breaks and fails on a new one, with JUnit to match; `diff` naming
 * the new break.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientName, type ProcessRecord } from '../../src/core/record/client';
import { runCli } from '../support/cli';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { connectionLines } from '../support/eventsFile';

const WRONG_PIN = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const curl = (url: string, extra = ''): string => `curl -sS --max-time 10 ${extra} ${url} >/dev/null`;

interface InventoryRow {
  host: string;
  status: string;
  detail: string;
  runs: number;
  machines: string[];
  strongestRun: string;
  verdicts: { run: string; source: string; machine: string | null; apps: string[]; evidence: string }[];
}
interface ReportJson {
  exemption: { entries: { hosts: string[] }[] };
  hosts: { host: string; pinning: string; confirmed: boolean; evidence: string[] }[];
  runs: { source: string; machine: string | null }[];
  inventory: InventoryRow[];
}

describe('pinscope beyond one run, with real curl', () => {
  let origin: Origin;
  let dir: string;
  const proxyArgs = (): string[] => [
    '--ca-dir',
    join(dir, 'ca'),
    '--upstream-ca',
    origin.caFile,
    '--resolve',
    `*.example.test=127.0.0.1:${origin.port}`,
  ];
  const run = (args: readonly string[], script: string): ReturnType<typeof runCli> =>
    runCli(['run', ...proxyArgs(), ...args, '--', 'sh', '-c', `${script}; exit 0`]);

  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('beyond-one-run');
  });
  after(async () => {
    await origin.close();
  });

  it('merges three runs into one request whose verdicts follow the ladder, with every run and the inventory', async () => {
    mkdirSync(join(dir, 'team', 'ci'), { recursive: true });
    const laptop = join(dir, 'laptop.pinscope.jsonl');
    // Run 1: the app works at api and flaky, and pins pinned (it completes the handshake, then drops it).
    const one = await run(
      ['--events', laptop],
      [
        curl('https://api.example.test/hello'),
        curl('https://flaky.example.test/hello'),
        curl('https://pinned.example.test/hello', `--pinnedpubkey ${WRONG_PIN}`),
      ].join('; '),
    );
    assert.equal(one.code, 3, one.stderr);
    // Run 2: a client that trusts only the real CA: flaky and strict break here.
    const two = await run(
      ['--events', join(dir, 'team', 'ci', 'ci.pinscope.jsonl')],
      [
        curl('https://api.example.test/hello'),
        curl('https://flaky.example.test/hello', `--cacert ${origin.caFile}`),
        curl('https://strict.example.test/hello', `--cacert ${origin.caFile}`),
      ].join('; '),
    );
    assert.equal(two.code, 0, two.stderr);
    // Run 3: pinned breaks twice, is tunnelled by --auto-confirm, and then works untouched: confirmed.
    const pinned = `--cacert ${join(dir, 'ca', 'pinscope-ca.pem')} --pinnedpubkey ${WRONG_PIN}`;
    const three = await run(
      ['--auto-confirm', '--events', join(dir, 'team', 'tester.pinscope.jsonl')],
      [
        curl('https://pinned.example.test/hello', pinned),
        curl('https://pinned.example.test/hello', pinned),
        curl('https://pinned.example.test/hello', `--cacert ${origin.caFile}`),
      ].join('; '),
    );
    assert.match(three.stderr, /pinned\.example\.test:443 {2}BREAKS, pinning likely \(confirmed\)/);

    // The laptop's file named twice (once directly, once inside the folder's parent) counts once.
    const exported = await runCli([
      'export',
      '--from',
      laptop,
      '--from',
      join(dir, 'team'),
      '--from',
      laptop,
      '--format',
      'report-json',
      '--app',
      'Acme',
    ]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /laptop\.pinscope\.jsonl: the run of .* was already read from .*; counted once/);
    assert.match(exported.stderr, /merged 3 runs/);
    const report = JSON.parse(exported.stdout) as ReportJson;
    assert.equal(report.runs.length, 3);
    assert.deepEqual(
      report.exemption.entries.flatMap((e) => e.hosts),
      ['pinned.example.test'],
    );
    const pinnedHost = report.hosts.find((h) => h.host === 'pinned.example.test');
    assert.equal(pinnedHost?.confirmed, true, 'confirmed in run 3 beats likely in run 1');
    assert.equal(pinnedHost.pinning, 'likely');
    assert.ok(
      pinnedHost.evidence.some((e) => /Strongest evidence from .*tester\.pinscope\.jsonl.* of 2 runs/.test(e)),
      pinnedHost.evidence.join('\n'),
    );
    const row = (host: string): InventoryRow => {
      const found = report.inventory.find((r) => r.host === host);
      assert.ok(found, `${host} in the inventory: ${report.inventory.map((r) => r.host).join(', ')}`);
      return found;
    };
    assert.equal(row('api.example.test').status, 'works');
    assert.equal(row('api.example.test').runs, 2);
    assert.equal(row('flaky.example.test').status, 'flaky');
    assert.match(row('flaky.example.test').detail, /broke in 1 of 2 runs/);
    assert.equal(row('strict.example.test').status, 'breaks');
    assert.equal(row('pinned.example.test').status, 'breaks');
    assert.match(row('pinned.example.test').detail, /confirmed by tunnelling/);
    assert.deepEqual(row('pinned.example.test').machines, [hostname()]);
    // Each run's verdict keeps its run, app and machine; the confirming run's won.
    const verdicts = row('pinned.example.test').verdicts;
    // The apps are what attribution recorded in each run (on a busy machine a process may stay unknown).
    const appsIn = (file: string): string[] =>
      [
        ...new Set(
          connectionLines(file)
            .filter((l) => l.host === 'pinned.example.test' && l.process)
            .map((l) => clientName({ process: l.process as ProcessRecord, trust: l.trust }) ?? ''),
        ),
      ].sort();
    assert.deepEqual(
      verdicts.map((v) => [v.source.split('/').pop(), v.evidence, v.machine, [...v.apps].sort()]),
      [
        ['laptop.pinscope.jsonl', 'likely', hostname(), appsIn(laptop)],
        ['tester.pinscope.jsonl', 'confirmed', hostname(), appsIn(join(dir, 'team', 'tester.pinscope.jsonl'))],
      ],
    );
    assert.ok(
      verdicts.every((v) => v.apps.length > 0),
      'every verdict names the app it came from',
    );
    assert.equal(row('pinned.example.test').strongestRun, verdicts[1]?.run);

    const markdown = await runCli(['export', '--from', join(dir, 'team'), '--from', laptop, '--format', 'report-md', '--app', 'Acme']);
    assert.equal(markdown.code, 0, markdown.stderr);
    assert.match(markdown.stdout, /## App inventory/);
    assert.match(markdown.stdout, /\| flaky\.example\.test:443 \| flaky \|/);
  });

  it('fails CI only on a new break: the baseline, JUnit skipped and failed cases, --exempted, and diff naming it', async () => {
    const baseline = join(dir, 'pinscope-baseline.json');
    const knownScript = curl('https://pinned.example.test/hello', `--pinnedpubkey ${WRONG_PIN}`);
    const newScript = `${knownScript}; ${curl('https://newpin.example.test/hello', `--pinnedpubkey ${WRONG_PIN}`)}`;

    const written = await run(['--baseline', baseline, '--update-baseline'], knownScript);
    assert.equal(written.code, 0, written.stderr);
    assert.deepEqual(
      (JSON.parse(readFileSync(baseline, 'utf8')) as { hosts: { host: string }[] }).hosts.map((h) => h.host),
      ['pinned.example.test'],
    );

    const same = await run(
      ['--baseline', baseline, '--junit', join(dir, 'same.xml'), '--events', join(dir, 'same.pinscope.jsonl')],
      knownScript,
    );
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stderr, /known break, not failing: pinned\.example\.test: known break, in the baseline/);
    const sameXml = readFileSync(join(dir, 'same.xml'), 'utf8');
    assert.match(sameXml, /failures="0" errors="0" skipped="1"/);
    assert.match(
      sameXml,
      /<testcase name="pinned\.example\.test:443"[^>]*>\n\s*<skipped>pinned\.example\.test:443 breaks under SSL inspection.*not failing, known break, in the baseline/,
    );

    const fresh = await run(
      ['--baseline', baseline, '--junit', join(dir, 'new.xml'), '--events', join(dir, 'new.pinscope.jsonl')],
      newScript,
    );
    assert.equal(fresh.code, 3, fresh.stderr);
    assert.match(fresh.stderr, /NEW break: newpin\.example\.test:443/);
    const newXml = readFileSync(join(dir, 'new.xml'), 'utf8');
    assert.match(newXml, /failures="1" errors="0" skipped="1"/);
    assert.match(newXml, /<testcase name="newpin\.example\.test:443"[^>]*>\n\s*<failure /);
    assert.match(newXml, /<testcase name="pinned\.example\.test:443"[^>]*>\n\s*<skipped>/);

    // The security team approved newpin from the exported Zscaler list: not a new break any more.
    const approved = join(dir, 'approved.txt');
    const list = await runCli([
      'export',
      '--from',
      join(dir, 'new.pinscope.jsonl'),
      '--format',
      'zscaler-urls',
      '--host',
      'newpin.example.test',
      '--out',
      approved,
    ]);
    assert.equal(list.code, 0, list.stderr);
    const exempted = await run(['--baseline', baseline, '--exempted', approved], newScript);
    assert.equal(exempted.code, 0, exempted.stderr);
    assert.match(exempted.stderr, /known break, not failing: newpin\.example\.test: already exempted/);

    const diff = await runCli(['diff', join(dir, 'same.pinscope.jsonl'), join(dir, 'new.pinscope.jsonl'), '--fail-on-new']);
    assert.equal(diff.code, 3, diff.stderr);
    assert.match(diff.stdout, /^pinscope diff: 1 newly broken, 0 newly fixed, 0 changed cause/);
    assert.match(
      diff.stdout,
      /Newly broken:\n {2}newpin\.example\.test:443 \(new host\) {2}not contacted -> breaks: closed-after-handshake×1; pinning likely/,
    );
    const markdown = await runCli(['diff', join(dir, 'same.pinscope.jsonl'), join(dir, 'new.pinscope.jsonl'), '--format', 'markdown']);
    assert.equal(markdown.code, 0);
    assert.match(
      markdown.stdout,
      /#### Newly broken\n\n\| Host \| Before \| After \|\n\| --- \| --- \| --- \|\n\| newpin\.example\.test:443 \(new host\) \| not contacted \| breaks: /,
    );
    const fixed = await runCli(['diff', join(dir, 'new.pinscope.jsonl'), join(dir, 'same.pinscope.jsonl'), '--format', 'json']);
    const parsed = JSON.parse(fixed.stdout) as { changes: { host: string; change: string }[] };
    assert.deepEqual(
      parsed.changes.map((c) => [c.host, c.change]),
      [['newpin.example.test', 'gone']],
    );
  });

  it('rejects a bad baseline, a missing recording and a one-sided diff with a precise message and exit 2', async () => {
    const bad = join(dir, 'bad-baseline.json');
    writeFileSync(bad, '{"hosts": []}');
    const cases: [string[], RegExp][] = [
      [['run', '--baseline', bad, '--', 'true'], /is not a Pinscope baseline/],
      [['run', '--baseline', join(dir, 'missing.json'), '--', 'true'], /cannot read --baseline .*missing\.json: ENOENT/],
      [['run', '--update-baseline', '--', 'true'], /--update-baseline needs --baseline FILE/],
      [['export', '--from', join(dir, 'nothing-here'), '--format', 'report-md'], /cannot read .*nothing-here: ENOENT/],
      [['diff', join(dir, 'same.pinscope.jsonl')], /needs exactly two recordings or folders/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });
});
