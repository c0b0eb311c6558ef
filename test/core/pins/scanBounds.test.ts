/**
 * A hostile workspace cannot make the scan hang (issue 28): `.gitignore` patterns that send a regex
 * matcher into exponential backtracking, thousands of ordinary patterns, unclosed brackets and unmatched
 * XML tags at the 2 MB per-file cap all finish in well under the 2 s; what is not read is reported.
 */
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { IgnoreRules } from '../../../src/core/pins/ignoreRules';
import { scanFileText } from '../../../src/core/pins/scanFile';
import { scanWorkspace, walkWorkspace } from '../../../src/core/pins/workspaceWalker';
import { parseXml } from '../../../src/core/pins/xmlTree';
import { temporaryDirectory } from '../../support/temporaryDirectories';

/** The bound for each hostile input; the linear code takes milliseconds. */
const BOUND_MS = 2000;
const TWO_MB = 2 * 1024 * 1024 - 1024;

function timed<T>(work: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = work();
  return { result, ms: performance.now() - start };
}

async function timedAsync<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}

const ANDROID_PINS =
  '<?xml version="1.0"?>\n<network-security-config>\n  <domain-config>\n    <domain>api.example.com</domain>\n    <pin-set><pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin></pin-set>\n  </domain-config>\n</network-security-config>\n';

describe('.gitignore matching is bounded', () => {
  it('scans a hostile .gitignore (a/ + 18 × **/ + zz) over a folder 40 levels deep in under 2 s', async () => {
    const root = temporaryDirectory('hostile-ignore');
    writeFileSync(join(root, '.gitignore'), `a/${'**/'.repeat(18)}zz\n`);
    const deep = join(root, 'a', ...Array.from({ length: 40 }, () => 'b'));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'network_security_config.xml'), ANDROID_PINS);
    writeFileSync(join(deep, 'zz'), '');
    const { result, ms } = await timedAsync(() => scanWorkspace(root));
    assert.ok(ms < BOUND_MS, `the scan took ${Math.round(ms)} ms`);
    assert.equal(result.configurations.length, 1);
    assert.equal(result.configurations[0]?.hosts[0]?.domain, 'api.example.com');
  });

  it('scans 20,000 ordinary patterns over 3,000 files in under 2 s', async () => {
    const root = temporaryDirectory('many-patterns');
    const patterns = Array.from({ length: 20_000 }, (_, i) => [`generated${i}/`, `/docs/page${i}.kt`, `*.tmp${i}`, `cache${i}.js`][i % 4]);
    writeFileSync(join(root, '.gitignore'), `${patterns.join('\n')}\n`);
    for (let folder = 0; folder < 30; folder++) {
      mkdirSync(join(root, `module${folder}`, 'src'), { recursive: true });
      for (let file = 0; file < 100; file++) writeFileSync(join(root, `module${folder}`, 'src', `File${file}.kt`), 'class A\n');
    }
    writeFileSync(join(root, 'module0', 'src', 'cache4003.js'), '');
    const { result, ms } = await timedAsync(() => walkWorkspace(root));
    assert.ok(ms < BOUND_MS, `the walk took ${Math.round(ms)} ms`);
    assert.equal(result.length, 3000);
  });

  it('bounds wildcard-heavy patterns per path and reports a path it gave up on', () => {
    const rules = new IgnoreRules([`${'*a'.repeat(400)}b`]);
    const { result, ms } = timed(() => {
      try {
        return rules.decide(`${'a'.repeat(250)}/${'a'.repeat(250)}`, false);
      } catch (error) {
        return (error as Error).message;
      }
    });
    assert.ok(ms < BOUND_MS, `matching took ${Math.round(ms)} ms`);
    assert.ok(result === undefined || result === 'pattern matching budget exceeded', String(result));
  });

  it('reports over-long patterns and applies the others', () => {
    const rules = new IgnoreRules(['x'.repeat(5000), 'build/']);
    assert.deepEqual(rules.problems, [{ line: 1, message: 'a pattern of 5000 characters was ignored (more than 1024)' }]);
    assert.equal(rules.decide('app/build', true), true);
  });

  // The gitignore(5) semantics the scan relies on, one row per rule.
  const cases: readonly [pattern: string[], path: string, directory: boolean, expected: boolean | undefined][] = [
    [['*.log'], 'a/b/x.log', false, true],
    [['*.log', '!keep.log'], 'a/keep.log', false, false],
    [['/tools/'], 'tools', true, true],
    [['/tools/'], 'a/tools', true, undefined],
    [['tools/'], 'a/tools', true, true],
    [['tools/'], 'a/tools', false, undefined],
    [['a/**/zz'], 'a/zz', false, true],
    [['a/**/zz'], 'a/b/c/zz', false, true],
    [[`a/${'**/'.repeat(18)}zz`], `a/${'b/'.repeat(40)}zz`, false, true],
    [[`a/${'**/'.repeat(18)}zz`], `a/${'b/'.repeat(40)}y`, false, undefined],
    [['**/generated'], 'x/y/generated', true, true],
    [['services/**'], 'services/pinned', true, true],
    [['doc/*.txt'], 'doc/a.txt', false, true],
    [['doc/*.txt'], 'doc/x/a.txt', false, undefined],
    [['file[0-9].kt'], 'src/file7.kt', false, true],
    [['file[!0-9].kt'], 'src/file7.kt', false, undefined],
    [['?.kt'], 'a.kt', false, true],
    [['\\#hash'], '#hash', false, true],
    [['# comment', ''], 'comment', false, undefined],
  ];
  for (const [patterns, path, directory, expected] of cases) {
    it(`${patterns.join(' ⏎ ')} → ${path}${directory ? '/' : ''} is ${String(expected)}`, () => {
      assert.equal(new IgnoreRules(patterns).decide(path, directory), expected);
    });
  }

  it('lets a deeper .gitignore re-include what a higher one ignores', async () => {
    const root = temporaryDirectory('ignore-precedence');
    mkdirSync(join(root, 'app', 'gen'), { recursive: true });
    writeFileSync(join(root, '.gitignore'), '*.kt\n');
    writeFileSync(join(root, 'app', '.gitignore'), '!Keep.kt\n');
    writeFileSync(join(root, 'app', 'Keep.kt'), '');
    writeFileSync(join(root, 'app', 'Drop.kt'), '');
    assert.deepEqual(await walkWorkspace(root), ['app/Keep.kt']);
  });
});

describe('source and XML scanning is linear', () => {
  const cases: readonly [name: string, file: string, text: string][] = [
    ['unclosed add( repeated in Kotlin', 'Pins.kt', `val p = CertificatePinner.Builder()\n${'  .add(\n'.repeat(TWO_MB / 8)}`],
    [
      'nested add( closed at the end, in Kotlin',
      'Pins.kt',
      `CertificatePinner.Builder()${'.add('.repeat(TWO_MB / 10)}${')'.repeat(TWO_MB / 10)}`,
    ],
    ['new Agent({ repeated in a .js', 'agent.js', 'new Agent({'.repeat(TWO_MB / 11)],
    ['initializeSslPinning({ repeated in a .js', 'pins.js', 'initializeSslPinning({ "a": {'.repeat(TWO_MB / 29)],
    [
      'kTSKPinnedDomains : [ repeated in Objective-C',
      'A.m',
      'kTSKPinnedDomains : @{ @"a" : @{ kTSKPublicKeyHashes : @['.repeat(TWO_MB / 56),
    ],
    [
      'unmatched close tags in XML',
      'network_security_config.xml',
      `<network-security-config>${'<a>'.repeat(TWO_MB / 8)}${'</b>'.repeat(TWO_MB / 8)}`,
    ],
    ['unclosed tags in XML', 'network_security_config.xml', `<network-security-config>${'<a x="1"'.repeat(TWO_MB / 8)}`],
    ['whitespace between comments in XML', 'network_security_config.xml', `<network-security-config>${'   <!-- -->'.repeat(TWO_MB / 11)}`],
    ['string constants in Java', 'P.java', `CertificatePinner ${'a = "x" + '.repeat(TWO_MB / 10)}`],
  ];
  for (const [name, file, text] of cases) {
    it(`${name} (2 MB) scans in under 2 s`, () => {
      const { ms } = timed(() => scanFileText(file, text));
      assert.ok(ms < BOUND_MS, `${name}: ${Math.round(ms)} ms`);
    });
  }

  it('caps the problems of one XML file', () => {
    const problems = parseXml(`<r>${'</b>'.repeat(100_000)}</r>`).problems;
    assert.ok(problems.length <= 101, `${problems.length} problems`);
    assert.match(problems.at(-1)?.message ?? '', /more problems/);
  });
});

describe('what the scan does not read is reported', () => {
  it('keeps the pins of an XML file with one bad character reference', () => {
    const text = ANDROID_PINS.replace('<domain-config>', '<domain-config><!-- --><x>&#x110000; &#99999999999;</x>');
    const scan = scanFileText('res/xml/network_security_config.xml', text);
    assert.equal(scan.configurations.length, 1);
    assert.deepEqual(
      scan.problems.map((p) => p.message),
      ['network security config: &#x110000; is not a character', 'network security config: &#99999999999; is not a character'],
    );
  });

  it('reports files over 2 MB and folders it cannot read', async () => {
    const root = temporaryDirectory('unread');
    writeFileSync(join(root, 'big.js'), 'x'.repeat(3 * 1024 * 1024));
    mkdirSync(join(root, 'locked'));
    writeFileSync(join(root, 'locked', 'A.kt'), '');
    chmodSync(join(root, 'locked'), 0o000);
    try {
      const scan = await scanWorkspace(root);
      const problems = scan.problems.map((p) => `${p.file} ${p.kind}: ${p.message}`);
      assert.ok(
        problems.includes('big.js skipped: not read: 3.0 MB, more than the 2 MB a configuration or source file is expected to be'),
        problems.join('\n'),
      );
      if (process.getuid?.() !== 0) assert.ok(problems.includes('locked skipped: folder not read: EACCES'), problems.join('\n'));
    } finally {
      chmodSync(join(root, 'locked'), 0o755);
    }
  });

  it('stops at its time budget and names where', async () => {
    const root = temporaryDirectory('budget');
    writeFileSync(join(root, 'A.kt'), '');
    const scan = await scanWorkspace(root, { timeBudgetMs: -1 });
    assert.deepEqual(
      scan.problems.map((p) => `${p.file}: ${p.message}`),
      ['.: the scan ran out of time here; the folders after it were not read'],
    );
  });
});
