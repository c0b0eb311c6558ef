/** Recordings in the real workbench: `pinscope run --events` opened in the custom editor, read-only, with the live verdicts; Save Recording. */
import * as assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { PinscopeApi } from '../../src/extension/extension';
import { runCli } from '../support/cli';
import { curl, waitFor } from '../support/clients';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { activatePinscope } from './workbench';
import { hasEvent } from '../../src/core/timeline';
import { connectionLines } from '../support/eventsFile';

const PIN = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

async function openRecording(pinscope: PinscopeApi, uri: vscode.Uri) {
  await vscode.commands.executeCommand('pinscope.openRecording', uri);
  const panel = await waitFor(() => pinscope.recordingPanel(uri), 15_000, 'the recording editor');
  // The webview loaded and asked for the rows: it got them in one reset.
  await waitFor(() => ((panel.posted.get('reset') ?? 0) > 0 ? true : undefined), 20_000, 'the rows posted to the webview');
  return panel;
}

describe('Recordings in the editor', function () {
  this.timeout(90_000);
  let origin: Origin;
  let dir: string;

  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('recordings');
  });

  beforeEach(async () => {
    await vscode.commands.executeCommand('pinscope.clearConnections', true);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pinscope.stopProxy');
    await vscode.commands.executeCommand('pinscope.clearConnections', true);
  });

  after(async () => {
    await origin.close();
  });

  it('opens a recording written by pinscope run --events read-only, with the verdicts the run gave, and exports from it', async () => {
    const pinscope = await activatePinscope();
    const file = join(dir, 'ci-run.pinscope.jsonl');
    const script = `curl -sS --max-time 10 https://fine.example.test/hello; curl -sS --max-time 10 --pinnedpubkey ${PIN} https://pinned.example.test/hello; exit 0`;
    const run = await runCli([
      'run',
      '--ca-dir',
      join(dir, 'ca'),
      '--upstream-ca',
      origin.caFile,
      '--resolve',
      `*.example.test=127.0.0.1:${origin.port}`,
      '--events',
      file,
      '--',
      'sh',
      '-c',
      script,
    ]);
    // 3: the command succeeded but a host likely pins (the CI policy exit).
    assert.equal(run.code, 3, run.stderr);
    const live = connectionLines(file);
    assert.deepEqual(live.map((l) => l.host).sort(), ['fine.example.test', 'pinned.example.test']);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const uri = vscode.Uri.file(file);
    const panel = await openRecording(pinscope, uri);
    assert.equal(panel.source.readOnly, true);
    const session = panel.source.session;
    assert.equal(session.records().length, live.length);
    for (const line of live) {
      const verdict = session.verdictOf(line.id);
      assert.ok(verdict, `a verdict for ${line.host}`);
      assert.deepEqual(
        { host: line.host, category: verdict.category, pinning: verdict.pinning, confirmed: verdict.confirmed },
        { host: line.host, category: line.category, pinning: line.pinning, confirmed: line.confirmed },
      );
    }
    assert.ok(
      live.some((l) => l.host === 'pinned.example.test' && l.pinning === 'likely'),
      'the run judged the pinned host',
    );
    const state = panel.source.state('');
    assert.deepEqual(state.recording, { name: 'ci-run.pinscope.jsonl', skipped: [] });
    assert.equal(state.running, false);

    // Exemption export from the recording (as its editor title action passes its URI), with the proxy stopped.
    assert.equal(pinscope.context.controller.session.listening, undefined);
    const document = await vscode.commands.executeCommand<vscode.TextDocument>(
      'pinscope.exportExemptionRequest',
      ['pinned.example.test'],
      'zscaler-api',
      'Acme CI',
      uri,
    );
    assert.ok(document);
    assert.match(document.getText(), /pinned\.example\.test/);
    assert.doesNotMatch(document.getText(), /fine\.example\.test/);
  });

  it('opens a damaged recording, and one from another version, with a notice of what was skipped', async () => {
    const pinscope = await activatePinscope();
    const source = join(dir, 'source.pinscope.jsonl');
    const run = await runCli([
      'run',
      '--ca-dir',
      join(dir, 'ca'),
      '--upstream-ca',
      origin.caFile,
      '--resolve',
      `*.example.test=127.0.0.1:${origin.port}`,
      '--events',
      source,
      '--',
      'curl',
      '-sS',
      '--max-time',
      '10',
      'https://fine.example.test/hello',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const file = join(dir, 'damaged.pinscope.jsonl');
    copyFileSync(source, file);
    appendFileSync(
      file,
      [
        '{"type":"connection","version":9,"target":"future.example.test"}',
        '{"type":"summary","hosts":3}',
        '{"type":"connection","id":7,"host":"cut.example.test","port":443,"mode":"intercept","startedAt":"2024-01-0',
        '',
      ].join('\n'),
    );
    const uri = vscode.Uri.file(file);
    const panel = await openRecording(pinscope, uri);
    const recording = panel.source.state('').recording;
    assert.ok(recording);
    assert.equal(recording.skipped.length, 2, recording.skipped.join('; '));
    assert.match(recording.skipped[0] ?? '', /^line \d+: not a Pinscope connection record/);
    assert.match(recording.skipped[1] ?? '', /^line \d+: not JSON/);
    assert.deepEqual(
      panel.source.session.records().map((r) => r.host),
      ['fine.example.test'],
    );
  });

  it('Save Recording writes the live session (after Stop) owner-only as the same JSONL, and it opens with the same verdicts', async () => {
    const pinscope = await activatePinscope();
    const config = vscode.workspace.getConfiguration('pinscope');
    await config.update('hostOverrides', [`*.example.test=127.0.0.1:${origin.port}`], vscode.ConfigurationTarget.Global);
    await config.update('upstreamCaFiles', [origin.caFile], vscode.ConfigurationTarget.Global);
    const proxy = await pinscope.context.controller.start();
    assert.ok(proxy);
    assert.equal((await curl(proxy.url, 'https://saved.example.test/hello', ['--cacert', proxy.ca.certPath])).code, 0);
    assert.equal(
      (await curl(proxy.url, 'https://saved-pinned.example.test/hello', ['--cacert', proxy.ca.certPath, '--pinnedpubkey', PIN])).code,
      90,
    );
    await waitFor(
      () => (pinscope.context.controller.session.records().filter((r) => r.finished).length >= 2 ? true : undefined),
      10_000,
      'two finished connections',
    );
    await vscode.commands.executeCommand('pinscope.stopProxy');
    const file = join(dir, 'saved.pinscope.jsonl');
    const saved = await vscode.commands.executeCommand<vscode.Uri>('pinscope.saveRecording', vscode.Uri.file(file));
    assert.equal(saved.fsPath, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const lines = connectionLines(file);
    assert.deepEqual(lines.map((l) => l.host).sort(), ['saved-pinned.example.test', 'saved.example.test']);
    const session = pinscope.context.controller.session;
    for (const line of lines) assert.equal(line.category, session.verdictOf(line.id)?.category);
    const panel = await openRecording(pinscope, vscode.Uri.file(file));
    for (const line of lines) assert.equal(panel.source.session.verdictOf(line.id)?.category, line.category);
  });

  it('opens several recordings, or a folder of them, as one read-only view, each run once', async () => {
    const pinscope = await activatePinscope();
    const team = join(dir, 'team');
    mkdirSync(join(team, 'ci'), { recursive: true });
    const proxy = ['--ca-dir', join(dir, 'ca'), '--upstream-ca', origin.caFile, '--resolve', `*.example.test=127.0.0.1:${origin.port}`];
    const laptop = join(team, 'laptop.pinscope.jsonl');
    const ci = join(team, 'ci', 'ci.pinscope.jsonl');
    assert.equal(
      (
        await runCli([
          'run',
          ...proxy,
          '--events',
          laptop,
          '--',
          'sh',
          '-c',
          `curl -sS --max-time 10 https://api.example.test/hello; curl -sS --max-time 10 --pinnedpubkey ${PIN} https://pinned.example.test/hello; exit 0`,
        ])
      ).code,
      3,
    );
    assert.equal(
      (await runCli(['run', ...proxy, '--events', ci, '--', 'curl', '-sS', '--max-time', '10', 'https://payments.example.test/hello']))
        .code,
      0,
    );
    const expected = [...connectionLines(laptop), ...connectionLines(ci)].map((l) => l.host).sort();

    // The laptop's run chosen twice (its file and a copy) is shown once.
    const copy = join(dir, 'copy-of-laptop.pinscope.jsonl');
    copyFileSync(laptop, copy);
    const key = await vscode.commands.executeCommand<vscode.Uri>('pinscope.openRecording', vscode.Uri.file(team), [
      vscode.Uri.file(team),
      vscode.Uri.file(copy),
    ]);
    const panel = await waitFor(() => pinscope.recordingPanel(key), 15_000, 'the merged recordings view');
    await waitFor(() => ((panel.posted.get('reset') ?? 0) > 0 ? true : undefined), 20_000, 'the rows posted to the webview');
    assert.equal(panel.source.readOnly, true);
    assert.deepEqual(
      panel.source.session
        .records()
        .map((r) => r.host)
        .sort(),
      expected,
    );
    assert.deepEqual(
      panel.source.session
        .hosts()
        .map((h) => h.host)
        .sort(),
      ['api.example.test', 'payments.example.test', 'pinned.example.test'],
    );
    assert.match(panel.source.state('').recording?.name ?? '', /^3 recordings/);

    // A folder alone opens the same way.
    const folderKey = await vscode.commands.executeCommand<vscode.Uri>('pinscope.openRecording', vscode.Uri.file(team));
    const folderPanel = await waitFor(() => pinscope.recordingPanel(folderKey), 15_000, 'the folder view');
    assert.deepEqual(
      folderPanel.source.session
        .records()
        .map((r) => r.host)
        .sort(),
      expected,
    );
  });

  it('keeps the proxy serving real handshakes while a large recording opens (read in a worker thread)', async function () {
    this.timeout(600_000);
    const pinscope = await activatePinscope();
    const config = vscode.workspace.getConfiguration('pinscope');
    await config.update('hostOverrides', [`*.example.test=127.0.0.1:${origin.port}`], vscode.ConfigurationTarget.Global);
    await config.update('upstreamCaFiles', [origin.caFile], vscode.ConfigurationTarget.Global);
    const proxy = await pinscope.context.controller.start();
    assert.ok(proxy);
    // 50,000 lines of a real recording (~100 MB): its connection line repeated with new ids. Recorded
    // without leg capture: a captured line (its bytes in base64) is several times longer, and 50,000 of
    // them would pass the longest string V8 makes; the file's size, not its lines' contents, is the point.
    const small = join(dir, 'one.pinscope.jsonl');
    assert.equal(
      (
        await runCli([
          'run',
          '--capture-bytes',
          '0',
          '--ca-dir',
          join(dir, 'ca'),
          '--upstream-ca',
          origin.caFile,
          '--resolve',
          `*.example.test=127.0.0.1:${origin.port}`,
          '--events',
          small,
          '--',
          'curl',
          '-sS',
          '--max-time',
          '10',
          'https://large.example.test/hello',
        ])
      ).code,
      0,
    );
    const [template] = readFileSync(small, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"type":"connection"'));
    assert.ok(template);
    const large = join(dir, 'large.pinscope.jsonl');
    writeFileSync(
      large,
      `${Array.from({ length: 50_000 }, (_, i) => template.replace(/^\{"type":"connection","id":\d+/, `{"type":"connection","id":${i + 1}`)).join('\n')}\n`,
    );
    const uri = vscode.Uri.file(large);
    const load = { done: false };
    let servedWhileLoading = 0;
    const subscription = pinscope.context.controller.session.onJudged.subscribe(({ record }) => {
      if (!load.done && pinscope.recordingPanel(uri) === undefined && hasEvent(record.events, 'handshake-complete')) servedWhileLoading++;
    });
    // This test runs on the extension host's main thread, the proxy's: how long it was ever blocked while the recording opened.
    const blocked = monitorEventLoopDelay({ resolution: 10 });
    blocked.enable();
    const started = performance.now();
    const opening = Promise.resolve(vscode.commands.executeCommand('pinscope.openRecording', uri))
      .then(() => waitFor(() => pinscope.recordingPanel(uri), 300_000, 'the large recording'))
      .finally(() => {
        load.done = true;
      });
    let tried = 0;
    while (!load.done && servedWhileLoading < 3) {
      tried++;
      const result = await curl(proxy.url, `https://during${tried}.example.test/hello`, ['--cacert', proxy.ca.certPath]);
      assert.equal(result.code, 0, result.stderr);
    }
    const panel = await opening;
    const openMs = performance.now() - started;
    blocked.disable();
    subscription.dispose();
    // A ratio, not a deadline: read on this thread, the parse blocked it for most of the open.
    const longestBlockMs = blocked.max / 1e6;
    assert.ok(
      longestBlockMs < openMs / 2,
      `the proxy's thread was blocked ${Math.round(longestBlockMs)} ms at once during an open of ${Math.round(openMs)} ms`,
    );
    assert.ok(servedWhileLoading >= 3, `${servedWhileLoading} handshake(s) completed while the recording opened (${tried} curl(s) tried)`);
    assert.equal(panel.source.session.records().length, pinscope.context.settings.maxConnectionsKept);
    assert.equal(panel.source.state('').dropped, 50_000 - pinscope.context.settings.maxConnectionsKept);
  });
});
