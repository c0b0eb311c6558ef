/**
 * The extension's pin scan runs in a worker thread (issue 28): the thread that serves the proxy keeps
 * running while a hostile workspace is scanned, a scan past its time is stopped and reported naming where
 * it was, and a newer scan cancels an older one.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import { scanWorkspace } from '../../../src/core/pins/workspaceWalker';
import { scanWorkspaceInWorker } from '../../../src/extension/pins/workspaceScan';
import { ROOT } from '../../support/cli';
import { temporaryDirectory } from '../../support/temporaryDirectories';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'pins', 'mobile-app');

function hostileWorkspace(): string {
  const root = temporaryDirectory('hostile-worker');
  writeFileSync(join(root, '.gitignore'), `a/${'**/'.repeat(18)}zz\n`);
  mkdirSync(join(root, 'a', ...Array.from({ length: 40 }, () => 'b')), { recursive: true });
  for (let i = 0; i < 4; i++)
    writeFileSync(join(root, `Pins${i}.kt`), `val p = CertificatePinner.Builder()\n${'  .add(\n'.repeat(200_000)}`);
  return root;
}

describe('the pin scan in a worker thread', () => {
  it('finds what the scan on this thread finds, on another thread', async () => {
    const [inWorker, here] = await Promise.all([scanWorkspaceInWorker(FIXTURE), scanWorkspace(FIXTURE)]);
    assert.notEqual(inWorker.threadId, threadId);
    assert.deepEqual(inWorker.configurations, here.configurations);
    assert.deepEqual(inWorker.problems, here.problems);
  });

  it('leaves this thread free while a hostile workspace is scanned', async () => {
    const root = hostileWorkspace();
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks++;
    }, 5);
    try {
      const scan = await scanWorkspaceInWorker(root);
      assert.equal(scan.filesScanned, 4);
      assert.ok(ticks > 0, 'this thread never ran while the worker scanned');
    } finally {
      clearInterval(ticker);
    }
  });

  it('stops a scan that outlives its time and names where it was', async () => {
    const scan = await scanWorkspaceInWorker(hostileWorkspace(), { timeoutMs: 1 });
    assert.equal(scan.configurations.length, 0);
    assert.match(scan.problems[0]?.message ?? '', /the scan took longer than 0 s and was stopped while reading this file/);
  });

  it('is cancelled by its signal', async () => {
    const abort = new AbortController();
    const scan = scanWorkspaceInWorker(FIXTURE, { signal: abort.signal });
    abort.abort();
    await assert.rejects(scan, /cancelled/);
  });
});
