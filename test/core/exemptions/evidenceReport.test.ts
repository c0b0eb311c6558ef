/**
 * The evidence report as the security team reads it: the vendor list one host per line with hostile
 * names escaped, every host that broke named once, and words that match the requested scope.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeAll, summariseHosts } from '../../../src/core/diagnosis/hostSummary';
import { buildExemptionRequest, REPORT_FORMATS } from '../../../src/core/exemptions/exemptionRequest';
import type { ConnectionClient } from '../../../src/core/record/client';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { renderSummaryMarkdown } from '../../../src/core/report/summaryMarkdown';
import { hello, JA4_APP, record, transcripts } from '../../support/transcripts';
import { hostName } from '../../../src/core/hostNames';

const NOW = new Date('2026-11-26T12:00:00Z');

/** The lines inside the report's `~~~~` fence. */
function fenced(markdown: string): string[] {
  const match = /\n~~~~\n([\s\S]*?)\n~~~~\n/.exec(markdown);
  assert.ok(match?.[1] !== undefined, `a fenced snippet in:\n${markdown}`);
  return match[1].split('\n');
}

describe('the Markdown report: the vendor list', () => {
  const hostile = 'evil\u001b[2J\r\n.example.com';
  // The same client (by its TLS fingerprint) fetched another intercepted host first: each host it then
  // abandons after the handshake is a likely pin (rung L1a), so every one of them is requested.
  const records = [
    transcripts.ok('www.example.org', JA4_APP),
    transcripts.closedAfterHandshake('login.example.co.uk', JA4_APP),
    transcripts.closedAfterHandshake('api.example.com', JA4_APP),
    transcripts.closedAfterHandshake(hostile, JA4_APP),
  ];

  it('Zscaler URLs: one host per line, separators never escaped', () => {
    const md = buildExemptionRequest({ records, hosts: [], format: 'report-md', appName: 'Acme', now: NOW }).text;
    assert.deepEqual([...fenced(md)].sort(), ['api.example.com', 'login.example.co.uk']);
    assert.doesNotMatch(md, /\\x0a/, 'no escaped line break anywhere');
  });

  it('hostile names and app names stay escaped, in the snippet and around it', () => {
    const md = buildExemptionRequest({
      records,
      hosts: [],
      format: 'report-md',
      vendor: 'squid',
      appName: 'Acme\u001b]0;pwned\u0007 Shop',
      now: NOW,
    }).text;
    // eslint-disable-next-line no-control-regex -- the point is that none are left
    assert.doesNotMatch(md, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no control character but line breaks');
    assert.ok(!md.includes('evil\u001b'), 'the hostile host never appears raw');
    const snippet = fenced(md);
    assert.ok(snippet.length > 2, 'the Squid snippet keeps its lines');
    assert.ok(snippet.some((l) => /api\.example\.com/.test(l)) && snippet.some((l) => /login\.example\.co\.uk/.test(l)));
  });
});

function local(pid: number, name: string, trust: ConnectionClient['trust'] = null): ConnectionClient {
  return {
    process: {
      kind: 'local',
      label: `bash › ${name}`,
      pid,
      startTime: String(pid * 10),
      name,
      path: `/usr/bin/${name}`,
      command: name,
      app: null,
    },
    trust,
  };
}
function trust(gap: 'ca-not-installed' | 'app-own-trust-store', fix: string): ConnectionClient['trust'] {
  return {
    runtime: 'curl',
    runtimeLabel: 'curl',
    trustsCa: 'no',
    gap,
    startedByPinscope: true,
    variables: [],
    evidence: [`curl: ${gap}.`],
    fix,
  };
}
const withClient = (r: ConnectionRecord, client: ConnectionClient): ConnectionRecord => Object.assign(r, { client });
const JA4_LONELY = 't13d1010h2_0123456789ab_ba9876543210';
const JA4_DISTRUST = 't12d0909h1_aaaaaaaaaaaa_bbbbbbbbbbbb';

/** A recording whose hosts broke in every way the judgement knows, with the section each must land in. */
function everyWayToBreak(): { records: ConnectionRecord[]; expected: Record<string, string> } {
  const records = [
    transcripts.ok('works.example.com', JA4_APP),
    transcripts.alert('pin-by-peer.example.com', 'certificate_unknown', JA4_APP),
    transcripts.closedAfterHandshake('pin-after-handshake.example.net', JA4_APP),
    transcripts.alert('maybe.example.org', 'unknown_ca', JA4_LONELY),
    withClient(
      transcripts.alert('own-store.example.io', 'unknown_ca'),
      local(501, 'curl', trust('app-own-trust-store', 'Point --cacert at a bundle with the CA, or drop it so it uses the OS store.')),
    ),
    withClient(
      transcripts.alert('gap.example.io', 'unknown_ca'),
      local(502, 'curl', trust('ca-not-installed', 'Trust the Pinscope CA in the OS store, then retry.')),
    ),
    transcripts.alert('distrust-a.example.dev', 'unknown_ca', JA4_DISTRUST),
    transcripts.alert('distrust-b.example.dev', 'unknown_ca', JA4_DISTRUST),
    transcripts.mismatch('old-tls.example.com'),
    record('gave-up.example.com', [
      { kind: 'accepted', remote: '127.0.0.1:50001' },
      { kind: 'connect', host: 'gave-up.example.com', port: 443 },
      { kind: 'policy', mode: 'intercept', reason: 'intercepted by default' },
      { kind: 'client-hello', hello: hello('gave-up.example.com', 't13d0505h1_cccccccccccc_dddddddddddd') },
      { kind: 'rst', from: 'client' },
      { kind: 'closed', bytesFromClient: 0, bytesToClient: 0 },
    ]),
    transcripts.closedAfterHandshake('bad\u0007name<b>.example.com', JA4_APP),
  ];
  const expected: Record<string, string> = {
    'pin-by-peer.example.com': 'requested',
    'pin-after-handshake.example.net': 'requested',
    'maybe.example.org': 'verify first',
    'own-store.example.io': 'own trust store',
    'gap.example.io': 'not requested',
    'distrust-a.example.dev': 'not requested',
    'distrust-b.example.dev': 'not requested',
    'old-tls.example.com': 'not requested',
    'gave-up.example.com': 'not requested',
    'bad\u0007name<b>.example.com': 'not requested',
  };
  return { records, expected };
}

/** How many times each host is named as a section's host, per format. */
function namedHosts(format: string, text: string): string[] {
  if (format === 'report-md') return [...text.matchAll(/^### (.+):443$/gm)].map((m) => m[1] ?? '');
  if (format === 'report-json') {
    const json = JSON.parse(text) as Record<'hosts' | 'ownTrustStore' | 'verifyFirst' | 'notRequested', { host: string }[]>;
    return [...json.hosts, ...json.ownTrustStore, ...json.verifyFirst, ...json.notRequested].map((h) => h.host);
  }
  return text
    .trimEnd()
    .split('\r\n')
    .slice(1)
    .map((line) => line.split(',')[0] ?? '');
}

/** A host as each format writes it (Markdown escapes markup, CSV and Markdown show control characters). */
function written(format: string, host: string): string {
  const visible = host.replaceAll(String.fromCharCode(7), '\\x07');
  return format === 'report-md' ? visible.replace(/[<>]/g, (c) => `\\${c}`) : format === 'report-csv' ? visible : host;
}

describe('every host that broke is accounted for', () => {
  const { records, expected } = everyWayToBreak();

  it('the recording breaks in every way (the judgement agrees with the sections expected)', () => {
    const broken = summariseHosts(judgeAll(records))
      .filter((s) => s.breaks)
      .map((s) => s.host)
      .sort();
    assert.deepEqual(broken, Object.keys(expected).sort());
  });

  for (const includeOwnStore of [false, true]) {
    for (const report of REPORT_FORMATS) {
      it(`${report.id}${includeOwnStore ? ' --include-own-store' : ''}: each broken host named exactly once, in the section its cause puts it, never a host that works`, () => {
        const request = buildExemptionRequest({ records, hosts: [], format: report.id, appName: 'Acme', includeOwnStore, now: NOW });
        const named = namedHosts(report.id, request.text);
        assert.deepEqual(
          [...named].sort(),
          Object.keys(expected)
            .map((h) => written(report.id, h))
            .sort(),
          request.text,
        );
        // A host that works is in the app's inventory (every host contacted), never in a section of broken hosts.
        assert.ok(!(request.text.split('\n## Runs merged')[0] ?? '').includes('works.example.com:443'));
        const requested = request.entries.flatMap((e) => e.hosts).sort();
        assert.deepEqual(
          requested,
          ['pin-after-handshake.example.net', 'pin-by-peer.example.com', ...(includeOwnStore ? ['own-store.example.io'] : [])].sort(),
        );
        if (report.id === 'report-csv') {
          const rows = request.text
            .split('\r\n')
            .slice(1)
            .filter(Boolean)
            .map((l) => l.split(','));
          for (const [host, section] of Object.entries(expected)) {
            const want = section === 'own trust store' && includeOwnStore ? 'requested (own trust store)' : section;
            assert.equal(rows.find((r) => r[0] === written('report-csv', host))?.[2], want, host);
          }
        }
      });
    }
  }

  it('Markdown: the own-store section says what it means, with the fix; the rest say why not', () => {
    const md = buildExemptionRequest({ records, hosts: [], format: 'report-md', appName: 'Acme', now: NOW }).text;
    assert.match(
      md,
      /## The app's own trust store\n\n.*breaks under real inspection on every managed machine: exempt it, or make the app use the OS store/,
    );
    assert.match(
      md,
      /### own-store\.example\.io:443\n\n[^#]*In this request: no \(export with --include-own-store[^#]*Point --cacert at a bundle/,
    );
    assert.match(
      md,
      /### gap\.example\.io:443\n\n[^#]*Why not requested: .*CA is not installed where it looks.*Fix: Trust the Pinscope CA/,
    );
    assert.match(md, /### old-tls\.example\.com:443\n\n[^#]*Why not requested: it breaks for a reason other than pinning/);
    const mine = buildExemptionRequest({ records, hosts: [], format: 'report-md', appName: 'Acme', includeOwnStore: true, now: NOW }).text;
    assert.match(mine, /### own-store\.example\.io:443\n\n- Outcome[^\n]*\n- In this request: \*\*yes\*\*/);
  });

  it('pinscope run --report: every broken host has its section once, with the cause and the fix', () => {
    const md = renderSummaryMarkdown(summariseHosts(judgeAll(records)), { command: 'npm test' });
    for (const host of Object.keys(expected))
      assert.equal(md.split('\n').filter((l) => l.startsWith('## ') && l.includes(written('report-md', host))).length, 1, host);
    assert.match(
      md,
      /## own-store\.example\.io\n\n- \*\*The app's own trust store: it breaks under real inspection on every managed machine; exempt it, or make the app use the OS store\*\*\n- Fix: Point --cacert/,
    );
    assert.match(md, /## gap\.example\.io\n\n- \*\*Not pinning: the CA is not installed where this app looks/);
  });

  it('the title and the justification name the app and its version, with no stray space, and keep its case', () => {
    const titled = (appName: string, appVersion?: string): string =>
      buildExemptionRequest({ records, hosts: [], format: 'report-md', appName, ...(appVersion ? { appVersion } : {}), now: NOW }).text;
    assert.match(
      titled('com.acme.shop', '2.4.1'),
      /^# SSL inspection exemption request: com\.acme\.shop 2\.4\.1\n[\s\S]*\ncom\.acme\.shop 2\.4\.1 verifies the identity/,
    );
    assert.match(titled('the app'), /^# SSL inspection exemption request: the app\n[\s\S]*\nThe app verifies the identity/);
  });

  it('hosts the user did not choose are still accounted for, as not chosen', () => {
    const request = buildExemptionRequest({
      records,
      hosts: [hostName('pin-by-peer.example.com')],
      format: 'report-json',
      appName: 'Acme',
      now: NOW,
    });
    const json = JSON.parse(request.text) as { hosts: { host: string }[]; notRequested: { host: string; reason: string }[] };
    assert.deepEqual(
      json.hosts.map((h) => h.host),
      ['pin-by-peer.example.com'],
    );
    assert.match(json.notRequested.find((n) => n.host === 'pin-after-handshake.example.net')?.reason ?? '', /not chosen for this request/);
    assert.equal(namedHosts('report-json', request.text).length, Object.keys(expected).length);
  });

  it('a report with nothing to request still lists every broken host; a vendor snippet then refuses', () => {
    const onlyGaps = records.filter((r) => ['own-store.example.io', 'gap.example.io', 'works.example.com'].includes(r.host));
    const md = buildExemptionRequest({ records: onlyGaps, hosts: [], format: 'report-md', appName: 'Acme', now: NOW }).text;
    assert.deepEqual(namedHosts('report-md', md).sort(), ['gap.example.io', 'own-store.example.io']);
    assert.match(md, /No exemption is requested/);
    assert.match(
      md,
      /## Why\n\nPinscope found no host of Acme with evidence of pinning\. Nothing is requested yet/,
      'no pinning claim when nothing is requested',
    );
    const own = buildExemptionRequest({
      records: onlyGaps,
      hosts: [],
      format: 'report-md',
      appName: 'Acme',
      includeOwnStore: true,
      now: NOW,
    }).text;
    assert.match(
      own,
      /## Why\n\n1 host\(s\) are requested at the developer's choice: Acme trusts only its own certificate store there, so it breaks under real inspection on every managed machine/,
    );
    assert.doesNotMatch(own, /more strictly than the operating system/);
    assert.throws(
      () => buildExemptionRequest({ records: onlyGaps, hosts: [], format: 'zscaler-urls', appName: 'Acme', now: NOW }),
      /own-store\.example\.io: its app brings its own trust store/,
    );
  });
});
