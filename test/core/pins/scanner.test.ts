/**
 * The pin scanner over a fixture workspace shaped like a real mobile + backend repository: every
 * ecosystem, with wildcards, multiple pin-sets, comments, concatenated constants, and broken files.
 * Each finding is asserted exactly, with its line numbers.
 */
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PinConfiguration } from '../../../src/core/pins/pinConfiguration';
import { scanFileText } from '../../../src/core/pins/scanFile';
import { scanWorkspace, walkWorkspace } from '../../../src/core/pins/workspaceWalker';
import { parseXml } from '../../../src/core/pins/xmlTree';
import { ROOT } from '../../support/cli';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'pins', 'mobile-app');

/** One line per configuration: where, what, which hosts, which pins (kind, value prefix, line), and its flags. */
function line(c: PinConfiguration): string {
  const hosts = c.hosts.map((h) => `${h.match}:${h.domain}@${h.line}`).join(',');
  const pins = c.pins.map((p) => `${p.kind}:${p.value.slice(0, 8)}@${p.line}`).join(',');
  const flags = [
    c.expiration ? `expires ${c.expiration}` : '',
    c.notEnforced ? 'not enforced' : '',
    c.unresolvedPins ? `unresolved ${c.unresolvedPins}` : '',
    c.debugAcceptsUserCa ? 'debug user CA' : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `${c.file}:${c.line} ${c.ecosystem} ${c.kind} [${hosts}] [${pins}]${flags ? ` {${flags}}` : ''}`;
}

const EXPECTED = [
  'android/app/src/main/java/com/example/net/ApiClient.kt:14 okhttp pins [exact:api.example.com@14] [spki-sha256:7HIpactk@14,spki-sha256:fwza0LRM@14]',
  'android/app/src/main/java/com/example/net/ApiClient.kt:15 okhttp pins [one-label:example.com@15] [spki-sha256:7HIpactk@15]',
  'android/app/src/main/java/com/example/net/ApiClient.kt:17 okhttp pins [any-depth:cdn.example.com@17] [spki-sha256:r/mIkG3e@18,spki-sha1:BOGUSSHA@19]',
  'android/app/src/main/java/com/example/net/LegacyClient.java:13 okhttp pins [exact:legacy.example.org@13] [spki-sha256:47DEQpj8@13]',
  'android/app/src/main/java/com/example/net/LegacyClient.java:14 okhttp pins [exact:runtime.example.org@14] [] {unresolved 1}',
  'android/app/src/main/java/com/example/net/LegacyClient.java:18 java custom-validation [] []',
  'android/app/src/main/res/xml/network_security_config.xml:9 android pins [subdomains:api.example.com@7,exact:login.example.com@8] [spki-sha256:7HIpactk@10,spki-sha256:fwza0LRM@12] {expires 2099-01-01; debug user CA}',
  'android/app/src/main/res/xml/network_security_config.xml:14 android pins [exact:legacy.partner.example.com@15] [spki-sha256:7HIpactk@10,spki-sha256:fwza0LRM@12] {expires 2099-01-01; debug user CA}',
  'android/app/src/main/res/xml/network_security_config.xml:20 android pins [exact:cdn.example.net@19] [spki-sha256:r/mIkG3e@21] {expires 2020-01-01; not enforced; debug user CA}',
  'android/app/src/staging/res/xml/network_security_config.xml:4 android pins [subdomains:staging.example.org@3] [spki-sha256:AAAAAAAA@5]',
  'dotnet/PinnedHttp.cs:9 dotnet custom-validation [] []',
  'ios/App/AppDelegate.m:11 trustkit pins [subdomains:www.datatheorem.com@11] [spki-sha256:HXXQgxue@14,spki-sha256:0SDf3cRT@15] {expires 2017-12-01; not enforced}',
  'ios/App/AppDelegate.m:20 trustkit pins [subdomains:yahoo.com@20] [spki-sha256:TQEtdMbm@22,spki-sha256:rFjc3wG7@23]',
  'ios/App/Info.plist:11 ios pins [subdomains:api.example.com@11] [spki-sha256:r/mIkG3e@19]',
  'ios/App/Info.plist:23 ios pins [exact:pay.example.com@23] [spki-sha256:7HIpactk@29]',
  'ios/App/Info.plist:40 trustkit pins [exact:metrics.example.com@40] [spki-sha256:HXXQgxue@48,spki-sha256:0SDf3cRT@49] {expires 2019-06-30}',
  'ios/App/PinningSetup.swift:7 trustkit pins [subdomains:api.example.com@7] [spki-sha256:7HIpactk@10,spki-sha256:fwza0LRM@11]',
  'ios/App/PinningSetup.swift:18 alamofire pins [exact:api.example.com@18] [certificate-file:certific@18]',
  'ios/App/PinningSetup.swift:19 alamofire pins [exact:images.example.com@19] [certificate-file:public k@19]',
  'ios/Broken/Info.plist:8 ios pins [exact:broken.example.com@8] [spki-sha256:YLh1dUR9@14]',
  'lib/net/pinned_client.dart:8 flutter custom-validation [] [ca-file:assets/c@8]',
  'lib/net/pinned_client.dart:10 flutter custom-validation [] []',
  'lib/net/pinned_client.dart:16 flutter pins [exact:api.example.com@16] [certificate-sha256:0b30557a@20]',
  'rn/src/api/legacyFetch.js:6 react-native pins [exact:legacy.example.com@6] [spki-sha256:r/mIkG3e@11]',
  'rn/src/api/pinning.js:5 react-native pins [subdomains:api.example.com@5] [spki-sha256:7HIpactk@8,spki-sha256:fwza0LRM@9]',
  'rn/src/api/pinning.js:13 react-native pins [exact:pay.example.com@13] [spki-sha256:r/mIkG3e@15,spki-sha256:YLh1dUR9@15]',
  'server/src/client.js:5 node custom-validation [] []',
  'server/src/client.js:10 node custom-validation [] []',
  'services/pinned/client.go:13 go custom-validation [] []',
  'tools/sync.py:10 python custom-validation [] [ca-file:certs/pa@10]',
  'tools/sync.py:18 python custom-validation [] [certificate-sha256:073c71a6@18]',
];

describe('pin scanner over a fixture workspace', () => {
  it('finds every pin configuration, exactly, with its lines', async () => {
    const scan = await scanWorkspace(FIXTURE);
    assert.deepEqual(scan.configurations.map(line), EXPECTED);
    assert.equal(scan.filesScanned, 16);
  });

  it('reports malformed and binary files as problems, keeping what it could read', async () => {
    const scan = await scanWorkspace(FIXTURE);
    assert.deepEqual(
      scan.problems.map((p) => `${p.file}:${p.line} ${p.kind}: ${p.message}`),
      [
        'android/app/src/staging/res/xml/network_security_config.xml:2 malformed: network security config: <domain-config> is not closed before </network-security-config> (line 8)',
        'ios/App/Settings.plist:1 skipped: binary property list not read (it mentions pinned domains); convert it with `plutil -convert xml1` to scan it',
        'ios/Broken/Info.plist:3 malformed: property list: <dict> is not closed before </plist> (line 20)',
      ],
    );
  });

  it('respects .gitignore files at any level and the exclude list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinscope-pins-'));
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(join(dir, '.gitignore'), '/tools/\n');
    writeFileSync(join(dir, 'ios', '.gitignore'), 'Broken/\n');
    mkdirSync(join(dir, 'node_modules', 'some-lib'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', 'some-lib', 'index.js'),
      "require('https').request({ checkServerIdentity: () => undefined });\n",
    );
    const files = await walkWorkspace(dir, { exclude: ['*.cs', 'services/**'] });
    assert.deepEqual(
      files.filter((f) => /tools|Broken|node_modules|\.cs$|services/.test(f)),
      [],
    );
    assert.equal(files.length, 16 - 1 /* tools */ - 1 /* Broken */ - 1 /* .cs */ - 1 /* go */);
    const all = await walkWorkspace(dir, { defaultExcludes: [] });
    assert.ok(all.includes('node_modules/some-lib/index.js'));
  });

  it('survives any truncation of every fixture file (error findings, never an exception)', async () => {
    const files = await walkWorkspace(FIXTURE);
    const { readFileSync } = await import('node:fs');
    for (const file of files) {
      const text = readFileSync(join(FIXTURE, file), 'utf8');
      for (let cut = 0; cut < text.length; cut += 7)
        assert.doesNotThrow(() => scanFileText(file, text.slice(0, cut)), `${file} cut at ${cut}`);
    }
  });
});

describe('pins in OkHttp form', () => {
  it('keeps a base64 digest that starts with "/" and reads curl\'s sha256// form', () => {
    const text =
      'CertificatePinner.Builder()\n  .add("a.example.com", "sha256//CmL5birkaIpj5L0rzmS8rQ17S3n5pAOOAfxgKPInVU=")\n  .add("b.example.com", "sha256///CmL5birkaIpj5L0rzmS8rQ17S3n5pAOOAfxgKPInVU=")\n';
    assert.deepEqual(
      scanFileText('P.kt', text).configurations.map((c) => c.pins.map((p) => p.value)),
      [['/CmL5birkaIpj5L0rzmS8rQ17S3n5pAOOAfxgKPInVU='], ['/CmL5birkaIpj5L0rzmS8rQ17S3n5pAOOAfxgKPInVU=']],
    );
  });
});

describe('tolerant XML reader', () => {
  it('keeps line numbers and recovers after errors', () => {
    const doc = parseXml('<a>\n  <b x="1"\n  y=\'2\'>t&amp;u</b>\n  <c>\n</a>\n</zz>');
    assert.equal(doc.root?.name, 'a');
    const b = doc.root.children[0];
    assert.ok(b);
    assert.equal(b.line, 2);
    assert.equal(b.attributes.get('y')?.line, 3);
    assert.equal(b.text, 't&u');
    assert.deepEqual(doc.problems, [
      { line: 4, message: '<c> is not closed before </a> (line 5)' },
      { line: 6, message: '</zz> closes no open element' },
    ]);
  });

  it('reports text that is not XML instead of throwing', () => {
    assert.deepEqual(parseXml('not xml at all').problems, [{ line: 1, message: 'no XML element found' }]);
    assert.deepEqual(parseXml('<a><!-- never closed').problems, [
      { line: 1, message: 'a comment is never closed (-->)' },
      { line: 1, message: '<a> is never closed' },
    ]);
  });
});
