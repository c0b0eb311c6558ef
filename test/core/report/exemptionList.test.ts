/** Approved hosts read back from every format Pinscope exports, so that `run --exempted` accepts any of them. */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildExemptionRequest } from '../../../src/core/exemptions/exemptionRequest';
import { isExempted, parseExemptionList } from '../../../src/core/report/exemptionList';
import { ROOT } from '../../support/cli';
import { JA4_APP, transcripts } from '../../support/transcripts';

const GOLDEN = join(ROOT, 'test', 'core', 'exemptions', 'golden');
/** The hosts every golden snippet was generated for. */
const REQUESTED = [
  '203.0.113.7',
  'd1abc.cloudfront.net',
  'api.pinned-bank.com',
  'auth.pinned-bank.com',
  'a.user.github.io',
  'b.user.github.io',
  'telemetry.vendor.io',
  'xn--bcher-kva.example',
];
const NOT_REQUESTED = ['unrelated.test', 'graph.microsoft.com', 'cloudfront.net', 'github.io', '203.0.113.8', 'vendor.io'];

describe('reading an approved exemption back', () => {
  for (const file of readdirSync(GOLDEN)) {
    it(`finds every requested host, and no other, in ${file}`, () => {
      const list = parseExemptionList(readFileSync(join(GOLDEN, file), 'utf8'));
      assert.deepEqual(
        REQUESTED.filter((h) => !isExempted(h, list)),
        [],
      );
      assert.deepEqual(
        NOT_REQUESTED.filter((h) => isExempted(h, list)),
        [],
      );
    });
  }

  it('takes only the requested hosts of an evidence report, never its "verify first" ones', () => {
    const records = [
      transcripts.ok('api.test', JA4_APP),
      transcripts.closedAfterHandshake('pinned.test', JA4_APP),
      transcripts.alert('maybe.test', 'unknown_ca', 't13d0000h2_000000000000_000000000000'),
    ];
    for (const format of ['report-md', 'report-json', 'report-csv']) {
      const { text } = buildExemptionRequest({ records, hosts: [], format, appName: 'Acme', now: new Date(0) });
      assert.match(text, /maybe\.test/, `${format} names the verify-first host`);
      const list = parseExemptionList(text);
      assert.equal(isExempted('pinned.test', list), true, format);
      assert.equal(isExempted('maybe.test', list), false, format);
      assert.equal(isExempted('api.test', list), false, format);
    }
  });

  it('reads a plain list, with comments, domains and a trailing dot', () => {
    const list = parseExemptionList('# approved 2026-12-01 by secops\npinned.example.com\n.bank.example\n\n*.cdn.example.net\n');
    assert.equal(isExempted('pinned.example.com.', list), true);
    assert.equal(isExempted('login.bank.example', list), true);
    assert.equal(isExempted('a.b.cdn.example.net', list), true);
    assert.equal(isExempted('example.com', list), false);
    assert.equal(isExempted('secops', list), false);
  });
});
