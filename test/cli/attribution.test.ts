/**
 * Process attribution through `pinscope run` and `pinscope export`, with real curl processes: the JSONL
 * names each process and whether it trusts the CA (and that Pinscope started it), the live lines and the
 * summary name the app, a host whose app merely lacks the CA is neither a pinning failure for --fail-on
 * nor requested as an exemption (the fix is said instead), and --no-attribution turns it off.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionLine } from '../../src/core/report/connectionReport';
import { runCli } from '../support/cli';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';

/**
 * The connection lines of an events file, each with its update applied: a connection whose process was
 * identified after its line was written (a busy machine) gets a `connection-update` line later.
 */
function connectionLines(path: string): ConnectionLine[] {
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as
          ConnectionLine | { type: 'proxy' } | (Partial<Omit<ConnectionLine, 'type'>> & { type: 'connection-update'; id: number }),
    );
  const byId = new Map<number, ConnectionLine>();
  for (const line of lines) {
    if (line.type === 'connection') byId.set(line.id, line);
    else if (line.type === 'connection-update') {
      const known = byId.get(line.id);
      if (known) byId.set(line.id, { ...known, ...line, type: 'connection' });
    }
  }
  return [...byId.values()];
}

describe('process attribution in pinscope run and export', { timeout: 300_000 }, () => {
  let origin: Origin;
  let dir: string;
  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('attribution-cli');
  });
  after(async () => {
    await origin.close();
  });
  const proxyArgs = (): string[] => [
    '--ca-dir',
    join(dir, 'ca'),
    '--upstream-ca',
    origin.caFile,
    '--resolve',
    `*.example.test=127.0.0.1:${origin.port}`,
  ];

  it('records the process and its trust; a curl stripped of the CA variables is "CA not installed", not pinning, and is never requested as an exemption', async () => {
    const events = join(dir, 'events.jsonl');
    // The first curl trusts the CA through the run environment; the second is stripped of every CA
    // variable, so it uses the OS store, which lacks the Pinscope CA: a test-setup gap, not a pin.
    const script =
      'curl -sS --max-time 15 https://fine.example.test/hello; env -u CURL_CA_BUNDLE -u SSL_CERT_FILE -u SSL_CERT_DIR curl -sS --max-time 15 https://gap.example.test/hello; exit 0';
    const result = await runCli(['run', ...proxyArgs(), '--events', events, '--', 'sh', '-c', script]);
    assert.equal(result.code, 0, result.stderr);
    const lines = connectionLines(events);
    const fine = lines.find((l) => l.host === 'fine.example.test');
    const gap = lines.find((l) => l.host === 'gap.example.test');
    assert.ok(fine && gap, JSON.stringify(lines.map((l) => l.host)));
    for (const line of [fine, gap]) {
      assert.equal(line.process?.kind, 'local', JSON.stringify(line.process));
      assert.equal(line.process.name, 'curl');
      assert.match(line.process.command ?? '', /^curl -sS --max-time 15 https:\/\//);
      assert.equal(line.trust?.startedByPinscope, true, JSON.stringify(line.trust));
      assert.ok(!JSON.stringify(line).includes(origin.caFile), 'no environment value is exported');
    }
    assert.equal(fine.trust?.trustsCa, 'yes', JSON.stringify(fine.trust));
    assert.equal(gap.trust?.trustsCa, 'no', JSON.stringify(gap.trust));
    assert.equal(gap.category, 'cert-rejected');
    assert.equal(gap.pinning, 'unlikely');
    assert.equal(gap.cause, 'ca-not-installed');
    assert.ok(gap.trust.variables.some((v) => v.name === 'CURL_CA_BUNDLE' && !v.set));
    // The app in the live lines and the per-host summary, with the cause and its fix.
    assert.match(
      result.stderr,
      /#\d+ curl \(pinscope run\) gap\.example\.test:443 intercept cert-rejected \(unknown_ca\) pinning unlikely \[ca-not-installed\]/,
    );
    assert.match(
      result.stderr,
      /gap\.example\.test:443 {2}BREAKS, pinning unlikely {2}\[.*\] {2}from curl \(pinscope run\)\n {6}not pinning: the CA is not installed where this app looks — Trust the Pinscope CA/,
    );
    // An exemption is not the fix: the host is left out, with the fix said.
    const exported = await runCli(['export', '--from', events, '--format', 'zscaler-urls', '--host', 'gap.example.test']);
    assert.notEqual(exported.code, 0);
    assert.match(
      exported.stderr,
      /gap\.example\.test: its app does not trust the Pinscope CA because the CA is not installed where it looks.*Fix: Trust the Pinscope CA/,
    );
  });

  it('names the attributed app in the exemption request and evidence report of a pinned host', async () => {
    const events = join(dir, 'pinned.jsonl');
    const script =
      'curl -sS --max-time 15 --pinnedpubkey sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= https://pinned.example.test/hello; exit 0';
    const result = await runCli(['run', ...proxyArgs(), '--events', events, '--', 'sh', '-c', script]);
    assert.equal(result.code, 3, result.stderr);
    const report = await runCli(['export', '--from', events, '--format', 'report-md', '--workspace', dir]);
    assert.equal(report.code, 0, report.stderr);
    // curl is a generic tool: never the app a request is titled for (the workspace here names none).
    assert.match(report.stdout, /SSL inspection exemption request: the app ?\n/);
  });

  it('names the process of a connection whose server cannot be reached (its socket is held until it is found)', async () => {
    const events = join(dir, 'down.jsonl');
    // Port 1 on loopback refuses: the proxy closes the client's connection at once, and a short-lived
    // curl's socket would be gone before its owner is looked up unless the close waits for it.
    const script =
      'curl -sS --max-time 15 https://fine.example.test/hello; curl -sS --max-time 15 https://down.unreachable.test/hello; curl -sS --max-time 15 https://down2.unreachable.test/hello; exit 0';
    const result = await runCli([
      'run',
      ...proxyArgs(),
      '--resolve',
      '*.unreachable.test=127.0.0.1:1',
      '--events',
      events,
      '--',
      'sh',
      '-c',
      script,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const down = connectionLines(events).filter((l) => l.host.endsWith('.unreachable.test'));
    assert.equal(down.length, 2, JSON.stringify(down));
    for (const line of down) {
      assert.equal(line.category, 'upstream-failed', JSON.stringify(line));
      assert.equal(line.process?.kind, 'local', JSON.stringify(line.process));
      assert.equal(line.process.name, 'curl');
    }
  });

  it('--no-attribution records no process', async () => {
    const events = join(dir, 'off.jsonl');
    const result = await runCli([
      'run',
      ...proxyArgs(),
      '--no-attribution',
      '--events',
      events,
      '--',
      'curl',
      '-sS',
      '--max-time',
      '15',
      'https://off.example.test/hello',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /process attribution: off/);
    const [line] = connectionLines(events);
    assert.equal(line?.process, null);
    assert.equal(line.trust, null);
  });
});
