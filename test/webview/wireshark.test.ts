/**
 * "Open in Wireshark…", in real Chromium over a real proxy: curl pins the wrong key through Pinscope
 * (capture on), the inspector shows the connection, the button is clicked, and what the webview posts
 * is handled as the panel handles it (checked, the captures looked up, the pcapng written); tshark reads
 * the file back with no key-log option and finds both legs' ClientHellos and certificates. A saved
 * recording, opened again, exports the captures it carries.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toConnectionDetail, toConnectionRow } from '../../src/core/report/inspectorRows';
import { recordingText } from '../../src/core/report/recordingFile';
import { readRecordingInWorker } from '../../src/extension/recordings/recordingReader';
import { capturesOf, findWireshark, writePcapng, type CaptureLookup } from '../../src/extension/inspector/wiresharkExport';
import { parseWebviewMessage, type CaptureState, type ConnectionDetail, type ConnectionRow } from '../../src/shared/protocol';
import { curl } from '../support/clients';
import { startHarness, type Harness } from '../support/harness';
import { temporaryDirectory } from '../support/temporaryDirectories';
import { state } from './fixtures';
import { inspectorPages, type InspectorPage } from './page';

const PINNED = 'pinned.example.test';
const TUNNELLED = 'tunnelled.example.test';
/** A pin no certificate has: curl closes after the handshake, as a pinning app does. */
const WRONG_PIN = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const NOT_CAPTURED = 'Tunnelled: its bytes were relayed untouched, and nothing was captured.';

function tshark(file: string, filter: string): string[] {
  return execFileSync(
    'tshark',
    ['-r', file, '-o', 'tls.desegment_ssl_records:TRUE', '-Y', filter, '-T', 'fields', '-e', 'ip.src', '-e', 'tls.handshake.type'],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
}

describe('Open in Wireshark', () => {
  const open = inspectorPages();
  let h: Harness;
  const lookup: CaptureLookup = (record) => h.session.captureOf(record.id) ?? NOT_CAPTURED;
  before(async () => {
    h = await startHarness({ captureBytes: 65_536, tunnelHosts: [TUNNELLED] });
  });
  after(async () => {
    await h.close();
  });

  /** The rows and details the panel would post, with each detail's capture state as the panel sets it. */
  function recorded(): { rows: ConnectionRow[]; detailOf: (id: number) => ConnectionDetail } {
    const records = h.session.records();
    return {
      rows: records.map((r) => toConnectionRow(r, h.session.verdictOf(r.id))),
      detailOf: (id) => {
        const record = records.find((r) => r.id === id);
        assert.ok(record);
        const capture = lookup(record);
        const state: CaptureState = typeof capture === 'string' ? { captured: false, why: capture } : { captured: true };
        return { ...toConnectionDetail(record, h.session.verdictOf(id)), capture: state };
      },
    };
  }

  /** What the panel does with the webview's message: check it, look up the captures, write the file. */
  async function handle(view: InspectorPage, file: string): Promise<{ ids: readonly number[]; written: number }> {
    const message = (await view.posted()).at(-1);
    const parsed = parseWebviewMessage(message);
    assert.ok('message' in parsed, JSON.stringify(parsed));
    assert.equal(parsed.message.type, 'openInWireshark');
    const { connections, missing } = capturesOf(h.session, parsed.message.ids, lookup);
    assert.deepEqual(missing, []);
    writePcapng(file, connections);
    return { ids: parsed.message.ids, written: connections.length };
  }

  it("writes a connection's both legs as a pcapng that tshark decrypts on its own", async () => {
    for (let i = 0; i < 2; i++) {
      const result = await curl(h.proxyUrl, `https://${PINNED}/hello`, ['--cacert', h.caFile, '--pinnedpubkey', WRONG_PIN]);
      assert.notEqual(result.code, 0, 'curl refuses the forged certificate');
    }
    const first = await h.connection(PINNED, 0);
    const second = await h.connection(PINNED, 1);
    const view = await open();
    const { rows, detailOf } = recorded();
    await view.send({ type: 'reset', rows, state });
    await view.page.locator(`.host-row[data-host="${PINNED}"] .host`).click();
    const selected = (await view.posted()).at(-1);
    assert.deepEqual(selected, { type: 'select', id: second.record.id }, 'the host shows its newest breaking connection');
    await view.send({ type: 'detail', detail: detailOf(second.record.id) });

    await view.page.locator('[data-action=wireshark]').click();
    const file = join(temporaryDirectory('wireshark'), 'connection.pcapng');
    const { ids, written } = await handle(view, file);
    assert.deepEqual(ids, [second.record.id]);
    assert.equal(written, 1);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'owner-only: the file holds TLS secrets');
    const hellos = tshark(file, 'tls.handshake.type == 1');
    assert.deepEqual(
      hellos.map((line) => line.split('\t')[0]).sort(),
      ['127.0.0.1', '127.0.0.3'],
      "the ClientHello of the client's leg and of Pinscope's leg to the server",
    );
    const certificates = tshark(file, 'tls.handshake.type == 11');
    assert.equal(certificates.length, 2, `both chains, decrypted (TLS 1.3 encrypts them): ${certificates.join(' | ')}`);

    await view.page.locator('[data-action=wireshark-host]').click();
    const hostFile = join(temporaryDirectory('wireshark'), 'host.pcapng');
    const host = await handle(view, hostFile);
    assert.deepEqual(
      [...host.ids].sort((a, b) => a - b),
      [first.record.id, second.record.id],
      'the host: all its connections',
    );
    assert.equal(host.written, 2);
    assert.equal(tshark(hostFile, 'tls.handshake.type == 1').length, 4, 'two connections, two legs each');
    assert.deepEqual(view.errors, []);
  });

  it('says why a connection has no capture, and offers no export for it', async () => {
    const result = await curl(h.proxyUrl, `https://${TUNNELLED}/hello`, ['--cacert', h.origin.caFile]);
    assert.equal(result.code, 0, result.stderr);
    const tunnelled = await h.connection(TUNNELLED);
    const view = await open();
    const { rows, detailOf } = recorded();
    await view.send({ type: 'reset', rows, state });
    await view.page.locator(`.host-row[data-host="${TUNNELLED}"] .host`).click();
    await view.send({ type: 'detail', detail: detailOf(tunnelled.record.id) });
    const button = view.page.locator('[data-action=wireshark]');
    assert.equal(await button.isDisabled(), true);
    assert.equal(await button.getAttribute('title'), NOT_CAPTURED);
    assert.equal(await view.page.textContent('.capture-note'), `Open in Wireshark: ${NOT_CAPTURED}`);
    assert.deepEqual(capturesOf(h.session, [tunnelled.record.id, 999_999], lookup), {
      connections: [],
      missing: [
        { why: NOT_CAPTURED, count: 1 },
        { why: 'The connection is no longer kept.', count: 1 },
      ],
    });
    assert.deepEqual(view.errors, []);
  });

  it('exports what a recording carries, once it is saved and opened again', async () => {
    const pinned = await h.connection(PINNED, 0);
    const tunnelled = await h.connection(TUNNELLED);
    const { text } = recordingText(h.session, {
      listening: h.proxy.url,
      ca: null,
      startedAt: new Date(),
      captureOf: (id) => h.session.captureOf(id),
    });
    // Read as the editor reads it: in the recording worker, its captures coming back as stored.
    const { recording, captures } = await readRecordingInWorker({ kind: 'bytes', bytes: Buffer.from(text), maxConnectionsKept: 10_000 });
    const intercepted = h.session
      .records()
      .filter((r) => r.mode === 'intercept')
      .map((r) => r.id);
    assert.deepEqual(
      intercepted.filter((id) => captures.get(id) === undefined),
      [],
      'every intercepted connection',
    );
    assert.equal(captures.get(tunnelled.record.id), undefined, 'none tunnelled');
    const fromRecording: CaptureLookup = (record) => captures.get(record.id) ?? NOT_CAPTURED;
    const { connections, missing } = capturesOf(recording, [pinned.record.id, tunnelled.record.id], fromRecording);
    assert.deepEqual(missing, [{ why: NOT_CAPTURED, count: 1 }]);
    const file = join(temporaryDirectory('wireshark'), 'recording.pcapng');
    writePcapng(file, connections);
    assert.equal(tshark(file, 'tls.handshake.type == 1').length, 2, "the recorded connection's two legs");
    assert.equal(tshark(file, 'tls.handshake.type == 11').length, 2, 'and both chains, decrypted');
  });

  it('finds Wireshark on PATH, skips a file that is not executable, and says when it is not there', () => {
    const found = temporaryDirectory('wireshark-path');
    const notExecutable = temporaryDirectory('wireshark-path');
    writeFileSync(join(found, 'wireshark'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(notExecutable, 'wireshark'), '#!/bin/sh\n', { mode: 0o644 });
    assert.equal(findWireshark({ PATH: [notExecutable, found].join(delimiter) }, 'linux'), join(found, 'wireshark'));
    assert.equal(findWireshark({ PATH: notExecutable }, 'linux'), undefined);
    assert.equal(findWireshark({}, 'linux'), undefined);
  });
});
