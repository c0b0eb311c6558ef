/**
 * Bad command lines (issue 23): every bad flag or value exits 2 with a precise message, before
 * listening, and never prints a password; a damaged recording is used for what it holds.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { toConnectionLine } from '../../src/core/report/connectionReport';
import { judgeAll } from '../../src/core/diagnosis/hostSummary';
import type { ConnectionRecord } from '../../src/core/timeline';
import { runCli } from '../support/cli';
import { JA4_APP, transcripts } from '../support/transcripts';

// eslint-disable-next-line no-control-regex -- the point: no raw control characters on a terminal
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function recordingLines(records: ConnectionRecord[]): string[] {
  return judgeAll(records).map(({ record, verdict }) => JSON.stringify(toConnectionLine(record, verdict)));
}

describe('pinscope CLI: the exit-2 promise', () => {
  let dir: string;
  let recording: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pinscope-cli-hardening-'));
    recording = join(dir, 'events.jsonl');
    writeFileSync(
      recording,
      `${recordingLines([transcripts.ok('api.example.com', JA4_APP), transcripts.closedAfterHandshake('pinned.example.com'), transcripts.closedAfterHandshake('pinned.example.com', JA4_APP)]).join('\n')}\n`,
    );
  });

  it('exits 2 with a precise message for every bad flag or value, before listening, and never prints a password', async () => {
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, '');
    const ca = ['--ca-dir', join(dir, 'ca')];
    const cases: [string[], RegExp][] = [
      [['proxy', ...ca, '--host', '999.1.1.1'], /--host expects an IP address/],
      [['proxy', ...ca, '--upstream-ca', join(dir, 'missing.pem')], /upstream CA file .*missing\.pem: ENOENT/],
      [['proxy', ...ca, '--upstream-ca', notPem], /holds no certificate/],
      [['proxy', '--ca-dir', aFile], /--ca-dir .* is not a directory/],
      [['ca', '--ca-dir', aFile], /--ca-dir .* is not a directory/],
      [['ca', ...ca, '--out', '/nonexistent/d/x'], /cannot write --out \/nonexistent\/d\/x: ENOENT/],
      [
        ['export', '--from', recording, '--format', 'zscaler-urls', '--out', '/nonexistent/x'],
        /cannot write --out \/nonexistent\/x: ENOENT/,
      ],
      [['proxy', ...ca, '--resolve', 'x.test=not-an-ip'], /--resolve x\.test=not-an-ip: "not-an-ip" is not an IP address/],
      [['proxy', ...ca, '--resolve', 'x.test=[zz]:443'], /"zz" is not an IP address/],
      [['proxy', ...ca, '--passthrough', '*'], /would tunnel every host/],
      [['proxy', ...ca, '--upstream-proxy', 'http://h:0'], /--upstream-proxy: .*port 0/],
      [['proxy', ...ca, '--upstream-proxy', ''], /--upstream-proxy: is empty/],
      [['proxy', ...ca, '--upstream-proxy', 'https://u:secretpw@h:1'], /only http:\/\/ proxies/],
      [['export', '--from', recording, '--format', 'report-md', '--vendor', 'nope'], /--vendor "nope" is unknown/],
      [['export', '--from', recording, '--format', 'zscaler-urls', '--host', 'bad host!'], /--host "bad host!" cannot be exempted: /],
      [['proxy', ...ca, '--keylog', '/nonexistent/d/k'], /key log \/nonexistent\/d\/k cannot be opened: ENOENT/],
      [['proxy', ...ca, '--events', '/nonexistent/d/x.jsonl'], /--events \/nonexistent\/d\/x\.jsonl: cannot be written \(ENOENT\)/],
      [['run', ...ca, '--events', '/nonexistent/d/x.jsonl', '--', 'true'], /--events .*ENOENT/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stderr, /listening on|secretpw/, args.join(' '));
    }
  });

  it('uses a damaged recording for what it holds, naming the lines it skipped', async () => {
    const [good, second] = recordingLines([
      transcripts.closedAfterHandshake('pinned.example.com'),
      transcripts.reset('\u001b]0;PWNED\u0007.example.com'),
    ]);
    assert.ok(good && second);
    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(
      damaged,
      [
        good,
        second,
        JSON.stringify({ ...(JSON.parse(good) as object), id: 90, events: [{ kind: 'client-hello', t: 1 }] }),
        JSON.stringify({ ...(JSON.parse(good) as object), id: 91, startedAt: 'yesterday' }),
        good.slice(0, 70),
      ].join('\n'),
    );
    const result = await runCli(['export', '--from', damaged, '--format', 'report-csv']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /pinned\.example\.com/);
    assert.match(result.stderr, /skipped .*line 3: a client-hello event without a well-formed hello/);
    assert.match(result.stderr, /skipped .*line 4: startedAt "yesterday" is not a time/);
    assert.match(result.stderr, /skipped .*line 5: not JSON/);
    assert.doesNotMatch(result.stderr, RAW_CONTROL, 'hostile host names are escaped on stderr');
  });
});
