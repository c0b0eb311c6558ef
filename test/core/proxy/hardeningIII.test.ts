/**
 * Hardening III (issue 28) for the proxy: a client that sends half a request and never reads gets its
 * 408 and loses its slot, so such clients cannot block every new connection; bidi controls are escaped
 * like control characters; a CA folder the proxy cannot write to still serves.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Engine } from '../../../src/core/engine';
import { escapeData, escapeProperty } from '../../../src/core/report/githubAnnotations';
import { terminalSafe } from '../../../src/core/report/connectionReport';
import { markdownText } from '../../../src/core/report/textEscaping';
import { temporaryDirectory } from '../../support/temporaryDirectories';
import { after, before, describe, it } from 'node:test';
import { curl, portAccepts, waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';

describe('hardening III: slots', () => {
  const SLOTS = 30;
  let harness: Harness;
  const sockets: Socket[] = [];
  before(async () => {
    harness = await startHarness({ maxOpenConnections: SLOTS, headersTimeoutMs: 500 });
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await harness.close();
  });

  it('frees the slot of a request that timed out, though its client never reads', async () => {
    let connected = 0;
    for (let i = 0; i < SLOTS; i++) {
      const socket = connect(harness.proxyPort, '127.0.0.1');
      socket.on('error', () => undefined);
      // Half a request, then nothing: and the client never reads what the proxy answers.
      socket.once('connect', () => {
        socket.write(`GET http://127.0.0.1:${harness.origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
        socket.pause();
        connected++;
      });
      sockets.push(socket);
    }
    await waitFor(() => (connected === SLOTS ? true : undefined), 30_000, 'every half-request socket connected');
    // Every slot is taken until the proxy frees those that timed out (the clients never close their side).
    let served: string | undefined;
    for (const deadline = Date.now() + 60_000; served === undefined && Date.now() < deadline;) {
      const result = await curl(harness.proxyUrl, `http://127.0.0.1:${harness.origin.port}/`);
      if (result.code === 0) served = result.stdout;
    }
    assert.ok(served !== undefined, 'a new connection was never served: the half-request sockets kept their slots');
  });
});

describe('hardening III: hostile text and local files', () => {
  const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f'];

  it('escapes Unicode bidi controls in terminal, Markdown and annotation output', () => {
    const host = `evil${BIDI.join('')}.example.com`;
    for (const shown of [terminalSafe(host), markdownText(host), escapeData(host), escapeProperty(host)]) {
      for (const control of BIDI) assert.ok(!shown.includes(control), `U+${control.charCodeAt(0).toString(16)} in ${JSON.stringify(shown)}`);
      assert.match(shown, /\\u202e/);
    }
  });

  it('starts when the trust bundle cannot be written beside the CA', async () => {
    const caDir = join(temporaryDirectory('readonly-ca'), 'ca');
    const first = await Engine.start({ caDir });
    await first.stop();
    // A folder where the bundle goes: no write there succeeds, even as root (for whom modes do not count).
    const blocked = join(caDir, 'pinscope-trust-bundle.pem');
    rmSync(blocked, { force: true });
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    const errors: string[] = [];
    const engine = await Engine.start({ caDir, onError: (message) => errors.push(message) });
    try {
      assert.ok(!engine.trustBundlePath.startsWith(caDir), engine.trustBundlePath);
      assert.match(errors.join('\n'), /trust bundle cannot be written beside the CA/);
      assert.ok(await portAccepts(engine.port));
    } finally {
      await engine.stop();
    }
  });
});
