/** Exemption entries and vendor snippets: PSL grouping, normalisation, constraints, golden files. */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { normaliseExemptionHost, proposeExemption, widenableDomains } from '../../../src/core/exemptions/hostEntries';
import { renderSnippet, VENDOR_FORMATS, findVendorFormat } from '../../../src/core/exemptions/vendors/registry';
import { SnippetError } from '../../../src/core/exemptions/vendors/vendorFormat';
import { buildExemptionRequest, REPORT_FORMATS } from '../../../src/core/exemptions/exemptionRequest';
import { csvCell } from '../../../src/core/exemptions/evidenceReport';
import { appNameChoices, applicationIdOf, bundleIdOf, resolveAppIdentity } from '../../../src/core/io/appIdentity';
import { attributedAppName, attributedAppNames, isGenericTool } from '../../../src/core/exemptions/attributedApp';
import {
  bypassMatches,
  describeBypass,
  KNOWN_BYPASSES,
  knownBypassesFor,
  normaliseBypassFile,
} from '../../../src/core/exemptions/knownBypasses';
import { escapeData, escapeProperty, githubAnnotations } from '../../../src/core/report/githubAnnotations';
import { renderJunit, xmlAttribute, xmlText } from '../../../src/core/report/junit';
import { runClient } from '../../support/clients';
import { JA4_APP, transcripts } from '../../support/transcripts';
import { hostName } from '../../../src/core/hostNames';

const REPO = resolve(__dirname, '..', '..', '..', '..');
const GOLDEN = resolve(REPO, 'test', 'core', 'exemptions', 'golden');
const HOSTS = [
  'https://API.Pinned-Bank.com:443/v1',
  'auth.pinned-bank.com',
  'telemetry.vendor.io',
  'd1abc.cloudfront.net',
  '203.0.113.7',
  'bücher.example',
  'a.user.github.io',
  'b.user.github.io',
];
const CONTEXT = { name: 'Pinscope pinning exemptions Acme', appName: 'Acme Mobile', generatedAt: '2026-11-26T12:00:00.000Z' };

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it after review)`);
}

describe('exemption entries', () => {
  it('normalises schemes, ports, paths, case, trailing dots and IDNs', () => {
    assert.deepEqual(normaliseExemptionHost('HTTPS://User@API.Example.COM.:8443/path?q'), { host: 'api.example.com' });
    assert.deepEqual(normaliseExemptionHost('bücher.example'), { host: 'xn--bcher-kva.example' });
    assert.deepEqual(normaliseExemptionHost('[2001:db8::1]:443'), { host: '2001:db8::1' });
  });

  it('refuses bare TLDs, public suffixes and garbage with a reason', () => {
    for (const bad of ['com', 'github.io', 'cloudfront.net', 'co.uk', 'a b.example', '<img src=x>.example', '']) {
      const result = normaliseExemptionHost(bad);
      assert.ok('reason' in result, bad);
    }
  });

  it('exact hosts by default: two hosts of one domain are two entries, each saying it covers that host only', () => {
    const { entries, warnings } = proposeExemption(HOSTS);
    assert.ok(
      entries.every((e) => e.kind === 'exact'),
      JSON.stringify(entries),
    );
    const api = entries.find((e) => e.value === 'api.pinned-bank.com');
    assert.match(
      api?.reason ?? '',
      /^this host only, no wider than the evidence \(widening to pinned-bank\.com and every subdomain is an explicit choice: --widen\)$/,
    );
    assert.match(
      entries.find((e) => e.value === 'telemetry.vendor.io')?.reason ?? '',
      /^this host only: the only host seen under vendor\.io$/,
    );
    assert.deepEqual(warnings, []);
  });

  it('widened on request: groups by registrable domain with the private PSL section, never widening to a provider', () => {
    const { entries, warnings } = proposeExemption(HOSTS, 'widen');
    const byValue = new Map(entries.map((e) => [e.value, e]));
    assert.equal(byValue.get('pinned-bank.com')?.kind, 'domain', 'two hosts under one domain → the domain');
    assert.deepEqual(byValue.get('pinned-bank.com')?.hosts, ['api.pinned-bank.com', 'auth.pinned-bank.com']);
    assert.equal(byValue.get('telemetry.vendor.io')?.kind, 'exact', 'a single host stays exact');
    assert.equal(byValue.get('d1abc.cloudfront.net')?.kind, 'exact', 'the tenant host, never cloudfront.net');
    assert.ok(!entries.some((e) => e.value === 'cloudfront.net' || e.value === 'github.io'));
    assert.equal(byValue.get('user.github.io')?.kind, 'domain', 'two hosts of one github.io tenant group to that tenant only');
    assert.equal(byValue.get('203.0.113.7')?.kind, 'exact');
    assert.match(byValue.get('203.0.113.7')?.reason ?? '', /never as a wildcard/);
    assert.ok(byValue.has('xn--bcher-kva.example'));
    assert.deepEqual(warnings, []);
  });

  it('keeps exact hosts on broad shared domains, with a warning', () => {
    const { entries, warnings } = proposeExemption(['www.google.com', 'maps.google.com', 'x.azureedge.net', 'y.azureedge.net'], 'widen');
    assert.ok(
      entries.every((e) => e.kind === 'exact'),
      JSON.stringify(entries),
    );
    assert.ok(warnings.some((w) => /google\.com is shared/.test(w)));
  });

  it('offers widening only where it would change something', () => {
    assert.deepEqual(
      widenableDomains(['api.pinned-bank.com', 'auth.pinned-bank.com', 'telemetry.vendor.io', 'www.google.com', 'maps.google.com']),
      ['pinned-bank.com'],
    );
    assert.deepEqual(widenableDomains(['api.pinned-bank.com', 'telemetry.vendor.io']), []);
  });

  it('a widened entry says what it covers', () => {
    const domain = proposeExemption(HOSTS, 'widen').entries.find((e) => e.kind === 'domain' && e.value === 'pinned-bank.com');
    assert.match(
      domain?.reason ?? '',
      /^widened on request: 2 hosts under pinned-bank\.com break, and this one entry covers pinned-bank\.com and every subdomain of it, including hosts not seen$/,
    );
  });
});

describe('vendor snippets', () => {
  // Widened, so that every vendor's domain syntax is exercised.
  const { entries } = proposeExemption(HOSTS, 'widen');
  for (const format of VENDOR_FORMATS) {
    it(`${format.id}: valid for the vendor and matches its golden file`, () => {
      assert.deepEqual(format.check(entries), []);
      const text = renderSnippet(format, entries, CONTEXT);
      golden(`${format.id}.${format.extension}`, text);
      if (format.language === 'json') JSON.parse(text);
      else if (format.id !== 'zscaler-urls') assert.ok(text.includes('Generated by Pinscope'), 'begins with a comment saying what it is');
    });
  }

  it('Zscaler: lowercase, no scheme, .domain for domain entries', () => {
    const zscaler = findVendorFormat('zscaler-urls');
    assert.ok(zscaler);
    const text = renderSnippet(zscaler, entries, CONTEXT);
    assert.ok(
      text
        .split('\n')
        .filter(Boolean)
        .every((line) => line === line.toLowerCase() && !line.includes('://')),
    );
    assert.ok(text.includes('.pinned-bank.com\n'));
    assert.ok(text.includes('telemetry.vendor.io\n'));
  });

  it('PAN-OS and Netskope: wildcard rules', () => {
    const panos = findVendorFormat('panos-set');
    const netskope = findVendorFormat('netskope');
    assert.ok(panos && netskope);
    assert.deepEqual(
      panos.check([{ kind: 'exact', value: `${'a'.repeat(250)}.example`, hosts: [], reason: '' }]).length,
      1,
      '255 characters at most',
    );
    assert.deepEqual(netskope.check([{ kind: 'exact', value: 'a*.example.com', hosts: [], reason: '' }]).length, 1);
    assert.match(
      renderSnippet(panos, entries, CONTEXT),
      /list \[ 203\.0\.113\.7\/ d1abc\.cloudfront\.net\/ pinned-bank\.com\/ \*\.pinned-bank\.com\//,
    );
  });

  it('Squid: no entry overlapping a listed domain', () => {
    const squid = findVendorFormat('squid');
    assert.ok(squid);
    const overlapping = [
      { kind: 'domain' as const, value: 'example.com', hosts: ['example.com'], reason: '' },
      { kind: 'exact' as const, value: 'api.example.com', hosts: ['api.example.com'], reason: '' },
    ];
    const text = renderSnippet(squid, overlapping, CONTEXT);
    assert.match(text, /ssl::server_name \.example\.com\n/);
    assert.ok(!/ssl::server_name .*api\.example\.com/.test(text));
  });

  it('refuses to emit a snippet for no hosts, and escapes user-supplied names', () => {
    const zscaler = findVendorFormat('zscaler-terraform');
    assert.ok(zscaler);
    assert.throws(() => renderSnippet(zscaler, [], CONTEXT), SnippetError);
    const hostile = renderSnippet(zscaler, entries, { ...CONTEXT, name: 'x" ${file("/etc/passwd")} "', appName: '"; rm -rf / #' });
    assert.ok(!hostile.includes('${file'), 'no Terraform interpolation');
    assert.ok(!hostile.includes('rm -rf /"'), 'quotes stripped from names');
  });

  it('CSV cells cannot become spreadsheet formulas', () => {
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('plain'), 'plain');
  });
});

describe('evidence report', () => {
  const records = [
    transcripts.ok('api.other.com', JA4_APP),
    transcripts.closedAfterHandshake('api.pinned-bank.com', JA4_APP),
    transcripts.alert('auth.pinned-bank.com', 'certificate_unknown', JA4_APP),
    transcripts.alert('<script>alert(1)</script>.evil.test', 'unknown_ca'),
    transcripts.alert('cdn.maybe.test', 'unknown_ca', 't13d1010h2_0123456789ab_ba9876543210'), // a client seen nowhere else: only possible
  ];
  for (const report of REPORT_FORMATS) {
    it(`${report.id}: every host with evidence, its evidence, chain and pins, and the snippet`, () => {
      const request = buildExemptionRequest({
        records,
        hosts: [],
        format: report.id,
        appName: 'Acme Mobile',
        appVersion: '4.2.0',
        environment: { OS: 'test' },
        now: new Date('2026-11-26T12:00:00Z'),
      });
      assert.ok(request.text.includes('api.pinned-bank.com'));
      assert.ok(request.text.includes('r3alPinBase64'));
      assert.ok(
        request.entries.every((e) => !e.hosts.includes('api.other.com')),
        'hosts that work are not in the request',
      );
      assert.ok(
        request.entries.every((e) => !e.value.includes('<')),
        'hostile names are refused, never emitted as entries',
      );
      if (report.id === 'report-md') assert.ok(!request.text.includes('<script>'), 'and appear only escaped');
      if (report.id === 'report-json') {
        const parsed = JSON.parse(request.text) as { hosts: { host: string; pinning: string }[]; verifyFirst: { host: string }[] };
        assert.equal(parsed.hosts.find((h) => h.host === 'api.pinned-bank.com')?.pinning, 'likely');
        assert.deepEqual(
          parsed.verifyFirst.map((v) => v.host),
          ['cdn.maybe.test'],
        );
      }
      if (report.id === 'report-csv') {
        assert.match(request.text, /\r\ncdn\.maybe\.test,443,verify first,/);
        assert.match(
          request.text,
          /\r\n<script>alert\(1\)<\/script>\.evil\.test,443,not requested,.*not a valid host name/,
          'a hostile name is a plain cell, never a formula',
        );
      }
      if (report.id === 'report-md') {
        assert.match(request.text, /## Why/);
        assert.match(
          request.text,
          /\| api\.pinned-bank\.com \(this host only\) \| api\.pinned-bank\.com \| this host only, no wider than the evidence/,
        );
        assert.match(request.text, /covers exactly these 2 hosts, nothing wider/);
        assert.doesNotMatch(request.text, /subdomains? of pinned-bank|and every subdomain \|/);
        const widened = buildExemptionRequest({
          records,
          hosts: [],
          format: report.id,
          appName: 'Acme Mobile',
          wildcards: 'widen',
          now: new Date('2026-11-26T12:00:00Z'),
        }).text;
        assert.match(
          widened,
          /\| pinned-bank\.com and every subdomain \| api\.pinned-bank\.com, auth\.pinned-bank\.com \| widened on request/,
        );
        assert.match(widened, /as an explicit choice to widen it, every subdomain of pinned-bank\.com/);
        assert.doesNotMatch(widened, /exactly these|nothing wider|no wider/, 'never words of an exact scope next to a wildcard');
        assert.match(
          request.text,
          /ClientHello 4\.5 ms → forged certificate sent 9\.0 ms → handshake completed 10\.5 ms → close\\_notify 12\.0 ms/,
        );
        assert.match(
          request.text,
          /## Verify first \(not requested\)\n[\s\S]*### cdn\.maybe\.test:443/,
          'the unknown_ca host is only possibly pinning: verify first',
        );
        assert.match(request.text, /Trust the Pinscope CA in that client/);
        assert.match(
          request.text,
          /## Not requested\n[\s\S]*### \\<script\\>alert\(1\)\\<\/script\\>\.evil\.test:443\n[\s\S]*Why not requested: not a valid host name/,
          'a name that is not a host name is accounted for, escaped, and not requested',
        );
      }
    });
  }
});

describe('known bypasses data file', () => {
  it('is valid, dated, sourced and already normalised (npm run update-bypasses leaves it unchanged)', () => {
    const text = readFileSync(resolve(REPO, 'src', 'core', 'exemptions', 'data', 'knownBypasses.json'), 'utf8');
    assert.equal(normaliseBypassFile(text), text, 'run npm run update-bypasses');
    assert.ok(
      KNOWN_BYPASSES.entries.length > 0 &&
        KNOWN_BYPASSES.entries.every((e) => e.source.startsWith('https://') && /^\d{4}-\d{2}-\d{2}$/.test(e.retrieved)),
    );
  });

  it('refuses a malformed entry with the field that is wrong', () => {
    const bad = { ...KNOWN_BYPASSES, entries: [{ ...KNOWN_BYPASSES.entries[0], pattern: '*.example.com', match: 'exact' }] };
    assert.throws(() => normaliseBypassFile(JSON.stringify(bad)), /has a leading "\*\." but match is exact/);
    assert.throws(
      () => normaliseBypassFile(JSON.stringify({ ...KNOWN_BYPASSES, entries: [{ ...KNOWN_BYPASSES.entries[0], source: 'http://x' }] })),
      /https URL/,
    );
  });

  it("holds every section of Apple's article, with its wildcards, each entry naming its section and Apple's rule for all its hosts", () => {
    const apple = KNOWN_BYPASSES.entries.filter((e) => e.vendor === 'apple');
    const sections = new Set(apple.flatMap((e) => (e.section ?? '').split('; ')));
    for (const section of [
      'Device setup',
      'Device management',
      'Apple Business Manager and Apple School Manager',
      'Apple Business Essentials device management',
      'Classroom and Schoolwork',
      'Software updates',
      'Carrier updates',
      'App Store',
      'App features',
      'Additional content',
      'Content caching',
      'Apple diagnostics',
      'Domain Name System resolution',
      'Certificate validation',
      'Apple Account',
      'Associated domains',
      'Tap to Pay on iPhone',
      'iCloud',
      'Siri and Search',
    ]) {
      assert.ok(sections.has(section), `section ${section}`);
    }
    const patterns = new Set(apple.map((e) => e.pattern));
    for (const wildcard of [
      '*.push.apple.com',
      '*.itunes.apple.com',
      '*.apps.apple.com',
      '*.mzstatic.com',
      '*.business.apple.com',
      '*.school.apple.com',
      '*.appattest.apple.com',
      '*.icloud.com',
      '*.apple-cloudkit.com',
      '*.cdn-apple.com',
      '*.smoot.apple.com',
      '*.apple-mapkit.com',
      '*.vertexsmb.com',
    ]) {
      assert.equal(apple.find((e) => e.pattern === wildcard)?.match, 'subdomains', wildcard);
    }
    for (const host of [
      'albert.apple.com',
      'mdmenrollment.apple.com',
      'iprofiles.apple.com',
      'mesu.apple.com',
      'swscan.apple.com',
      'ocsp2.apple.com',
      'idmsa.apple.com',
      'app-site-association.networking.apple',
      'doh.dns.apple.com',
      'lcdn-registration.apple.com',
    ]) {
      assert.ok(patterns.has(host), host);
    }
    assert.ok(apple.length > 100, `${apple.length} entries`);
    assert.ok(
      apple.every(
        (e) =>
          e.kind === 'owner-guidance' &&
          e.source === 'https://support.apple.com/en-us/101555' &&
          /disable HTTPS Interception for the hosts listed in this article/.test(e.note),
      ),
    );
    const marks = knownBypassesFor(['api.push.apple.com', 'p42-caldav.icloud.com', 'apple.com', 'evil-apple.com']);
    assert.deepEqual(
      [...new Set(marks.map((m) => m.host))].sort(),
      ['api.push.apple.com', 'p42-caldav.icloud.com'],
      'wildcards cover subdomains, never the apex or look-alikes',
    );
    assert.match(
      describeBypass(marks.find((m) => m.host === 'api.push.apple.com') ?? assert.fail()),
      /Apple asks not to inspect it \(\*\.push\.apple\.com, listed under "Device management"\)/,
    );
  });

  it('names, under unlisted, what could not be verified and the lists vendors publish elsewhere', () => {
    assert.ok(KNOWN_BYPASSES.unlisted.some((u) => u.vendor === 'apple' && /single third-party copy/.test(u.what)));
    assert.ok(KNOWN_BYPASSES.unlisted.some((u) => u.vendor === 'microsoft' && /Optimize and Allow/.test(u.what)));
  });

  it('matches exact hosts, any-depth subdomains, and PAN-OS one-label wildcards', () => {
    assert.ok(bypassMatches({ pattern: 'gs.apple.com', match: 'exact' }, 'GS.apple.com.'));
    assert.ok(!bypassMatches({ pattern: 'gs.apple.com', match: 'exact' }, 'x.gs.apple.com'));
    assert.ok(bypassMatches({ pattern: '*.cloud.microsoft', match: 'subdomains' }, 'a.b.cloud.microsoft'));
    assert.ok(!bypassMatches({ pattern: '*.cloud.microsoft', match: 'subdomains' }, 'cloud.microsoft'));
    assert.ok(bypassMatches({ pattern: '*.whatsapp.net', match: 'one-label' }, 'web.whatsapp.net'));
    assert.ok(!bypassMatches({ pattern: '*.whatsapp.net', match: 'one-label' }, 'a.web.whatsapp.net'));
  });
});

describe("the app's name", () => {
  it('reads Android applicationId (Groovy and Kotlin DSL), the iOS bundle id and package.json', async () => {
    assert.equal(
      applicationIdOf('android {\n  defaultConfig {\n    applicationId = "com.acme.bank"\n    versionName = "4.2.0"\n  }\n}'),
      'com.acme.bank\n4.2.0',
    );
    assert.equal(applicationIdOf("defaultConfig {\n    applicationId 'com.acme.app'\n}"), 'com.acme.app');
    assert.equal(bundleIdOf('buildSettings = {\n PRODUCT_BUNDLE_IDENTIFIER = com.acme.ios;\n};'), 'com.acme.ios');
    assert.equal(
      bundleIdOf('PRODUCT_BUNDLE_IDENTIFIER = "$(PRODUCT_NAME)";\n<key>CFBundleIdentifier</key>\n<string>com.acme.plist</string>'),
      'com.acme.plist',
    );
    const dir = mkdtempSync(join(tmpdir(), 'pinscope-app-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'acme-web', version: '1.2.3' }));
    assert.deepEqual(await resolveAppIdentity({ workspace: dir }), { name: 'acme-web', version: '1.2.3', source: 'package.json' });
    mkdirSync(join(dir, 'android', 'app'), { recursive: true });
    writeFileSync(join(dir, 'android', 'app', 'build.gradle.kts'), 'defaultConfig { applicationId = "com.acme.rn" }');
    assert.equal((await resolveAppIdentity({ workspace: dir })).name, 'com.acme.rn', 'a native id wins over the JavaScript package name');
    assert.deepEqual(
      await resolveAppIdentity({ workspace: dir, attributedProcess: 'AcmeBank.exe' }),
      { name: 'com.acme.rn', version: '1.2.3', source: 'android/app/build.gradle.kts, package.json' },
      "the workspace's identity wins over the attributed process; the version comes from package.json",
    );
    assert.equal(
      (await resolveAppIdentity({ workspace: join(dir, 'missing'), attributedProcess: 'AcmeBank.exe' })).name,
      'AcmeBank.exe',
      'the attributed app when the workspace names none',
    );
    assert.equal((await resolveAppIdentity({ workspace: dir, attributedProcess: 'x', override: 'Acme Bank 4' })).name, 'Acme Bank 4');
    assert.equal((await resolveAppIdentity({ workspace: join(dir, 'missing') })).name, 'the app');
  });

  it('never proposes a generic tool as the app: clients, interpreters, runtimes, shells, go run and go test binaries', () => {
    for (const name of [
      'curl',
      'wget',
      'python3',
      'python3.12',
      'node',
      'java',
      'ruby',
      'php8.2',
      'perl',
      'openssl',
      'gnutls-cli',
      'bash',
      'npm',
      'dotnet',
      'go',
      'curl.exe',
      'pkg.test',
    ]) {
      assert.ok(isGenericTool({ name, path: `/usr/bin/${name}` }), name);
    }
    assert.ok(isGenericTool({ name: 'main', path: '/tmp/go-build3141592/b001/exe/main' }), 'a go run binary');
    for (const name of ['AcmeBank', 'acme-shop', 'Slack', 'pythonista-app'])
      assert.ok(!isGenericTool({ name, path: `/opt/${name}/${name}` }), name);
  });

  it("offers the workspace's identity first, then each attributed app once", () => {
    assert.deepEqual(
      appNameChoices({ name: 'com.acme.shop', version: '2.4.1', source: 'app/build.gradle' }, ['AcmeShop', 'com.acme.shop', 'AcmeShop']),
      [
        { label: 'com.acme.shop 2.4.1', description: 'from app/build.gradle' },
        { label: 'AcmeShop', description: 'the app the breaking connections came from' },
      ],
    );
    assert.deepEqual(appNameChoices({ name: 'the app', version: '', source: 'default' }, []), []);
  });

  it('ranks the attributed apps behind breaking connections, generic tools left out', () => {
    const by = (name: string, path: string) => ({
      process: { kind: 'local' as const, label: name, pid: name.length, startTime: '1', name, path, command: name, app: null },
      trust: null,
    });
    const records = [
      Object.assign(transcripts.closedAfterHandshake('a.shop.test'), { client: by('curl', '/usr/bin/curl') }),
      Object.assign(transcripts.closedAfterHandshake('a.shop.test'), { client: by('curl', '/usr/bin/curl') }),
      Object.assign(transcripts.closedAfterHandshake('b.shop.test'), { client: by('AcmeShop', '/opt/acme/AcmeShop') }),
      Object.assign(transcripts.closedAfterHandshake('c.shop.test'), { client: by('python3', '/usr/bin/python3') }),
      Object.assign(transcripts.ok('d.shop.test'), { client: by('Other', '/opt/other/Other') }),
    ];
    assert.deepEqual(attributedAppNames(records), ['AcmeShop'], 'curl made more connections, but it is a tool; Other did not break');
    assert.equal(attributedAppName(records, ['a.shop.test']), undefined);
  });
});

describe('CI output escaping', () => {
  const hostile = {
    host: hostName('evil"<x>&\u0001.example'),
    port: 443,
    connections: 1,
    categories: { 'cert-rejected': 1 },
    breaks: true,
    pinning: 'likely' as const,
    confirmed: false,
    evidence: ['line one\r\n::error::injected', '100% <b>'],
    alerts: ['bad_certificate'],
    fingerprints: [],
    firstSeen: 0,
    lastSeen: 5,
  };

  it('JUnit: untrusted names and evidence are escaped and still valid against both schemas', async () => {
    const xml = renderJunit([hostile], {
      command: 'npm test',
      failOn: 'pinning',
      startedAt: new Date('2026-11-29T12:00:00.123Z'),
      durationMs: 1500,
      hostname: 'ci',
    });
    assert.ok(!xml.includes('<x>') && !xml.includes('\u0001'));
    assert.match(xml, /name="evil&quot;&lt;x&gt;&amp;\ufffd\.example:443"/);
    const file = join(mkdtempSync(join(tmpdir(), 'pinscope-junit-')), 'junit.xml');
    writeFileSync(file, xml);
    for (const schema of ['ant-junit.xsd', 'jenkins-junit.xsd']) {
      const lint = await runClient('xmllint', ['--noout', '--schema', resolve(REPO, 'test', 'core', 'report', 'schemas', schema), file]);
      assert.equal(lint.code, 0, `${schema}: ${lint.stderr}`);
    }
    assert.equal(xmlAttribute('a\nb\t"\''), 'a&#10;b&#9;&quot;&apos;');
    assert.equal(xmlText('a]]>b'), 'a]]&gt;b');
  });

  it('GitHub annotations: %, CR and LF encoded in messages, and also ":" and "," in properties', () => {
    assert.equal(escapeData('50%\r\n::x'), '50%25%0D%0A::x');
    assert.equal(escapeProperty('a:b,c%'), 'a%3Ab%2Cc%25');
    const out = githubAnnotations([hostile], 'pinning');
    assert.equal(out.split('\n').filter(Boolean).length, 1, 'one line: no injected command');
    assert.ok(out.startsWith(`::error title=Pinscope%3A ${hostile.host} pins its certificate::`), out);
    assert.ok(out.includes('line one%0D%0A::error::injected') && out.includes('100%25 <b>'));
  });
});
