/**
 * The evidence report as the security team reads it: the vendor list one host per line with hostile
 * names escaped, every host that broke named once, and words that match the requested scope.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildExemptionRequest } from '../../../src/core/exemptions/exemptionRequest';
import { JA4_APP, transcripts } from '../../support/transcripts';

const NOW = new Date('2026-11-26T12:00:00Z');

/** The lines inside the report's `~~~~` fence. */
function fenced(markdown: string): string[] {
  const match = /\n~~~~\n([\s\S]*?)\n~~~~\n/.exec(markdown);
  assert.ok(match?.[1] !== undefined, `a fenced snippet in:\n${markdown}`);
  return match[1].split('\n');
}

describe('the Markdown report: the vendor list', () => {
  const hostile = 'evil\u001b[2J\r\n.example.com';
  const records = [
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
    const md = buildExemptionRequest({ records, hosts: [], format: 'report-md', vendor: 'squid', appName: 'Acme\u001b]0;pwned\u0007 Shop', now: NOW }).text;
    // eslint-disable-next-line no-control-regex -- the point is that none are left
    assert.doesNotMatch(md, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no control character but line breaks');
    assert.ok(!md.includes('evil\u001b'), 'the hostile host never appears raw');
    const snippet = fenced(md);
    assert.ok(snippet.length > 2, 'the Squid snippet keeps its lines');
    assert.ok(snippet.some((l) => /api\.example\.com/.test(l)) && snippet.some((l) => /login\.example\.co\.uk/.test(l)));
  });
});
