/** The Node preload inside real Node processes: silent, harmless when the environment is odd, and NO_PROXY honoured. */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runClient } from '../../support/clients';
import { ROOT } from '../../support/cli';
import { startHarness } from '../../support/harness';
import { routedEnvironment } from '../../../src/core/setup/routedEnvironment';
import { startOrigin, type Origin } from '../../support/origin';

const PRELOAD = join(ROOT, 'dist', 'pinscope-node-preload.js');

describe('the Node preload', () => {
  let origin: Origin;
  before(async () => {
    origin = await startOrigin();
  });
  after(async () => {
    await origin.close();
  });

  const run = (script: string, env: Record<string, string>): ReturnType<typeof runClient> =>
    runClient(process.execPath, ['-e', script], {
      env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: `--require ${PRELOAD}`, NODE_EXTRA_CA_CERTS: origin.caFile, ...env },
    });

  it('writes nothing and breaks nothing when the proxy variables are garbage', async () => {
    const result = await run("console.log('fine'); fetch('x:').catch(() => console.log('fetch rejects as usual'))", {
      PINSCOPE_PROXY: '1',
      HTTPS_PROXY: 'not a url',
      HTTP_PROXY: '::',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, 'fine\nfetch rejects as usual\n');
  });

  it('sends NO_PROXY hosts directly, for https and fetch alike', async () => {
    const url = `https://localhost:${origin.port}/hello`;
    const script = `require('https').get('${url}', (r) => { r.resume(); r.on('end', () => fetch('${url}').then((f) => f.text()).then((t) => console.log(r.statusCode, t.trim()))); }).on('error', (e) => { console.error(e.message); process.exit(1); })`;
    const result = await run(script, { PINSCOPE_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: 'localhost' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '200 hello from origin over HTTP/1.1\n');
  });

  it('routes through the proxy otherwise: a dead proxy fails the request with a connection error, not a crash', async () => {
    const script = `require('https').get('https://localhost:${origin.port}/hello', () => console.log('direct!')).on('error', (e) => console.log('error', e.code))`;
    const result = await run(script, { PINSCOPE_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'error ECONNREFUSED\n');
  });

  it('prints no warning in a routed program: fetch and https through a real proxy, stderr empty', async () => {
    const harness = await startHarness();
    try {
      const env = routedEnvironment(harness.proxy, join(ROOT, 'dist'), { PATH: process.env['PATH'] ?? '' });
      // NODE_USE_ENV_PROXY is ignored by this Node (20): the preload routes both, fetch through undici's EnvHttpProxyAgent.
      const script =
        "require('https').get('https://quiet.example.test/hello', (r) => { r.resume(); r.on('end', () => fetch('https://quiet-fetch.example.test/hello').then((f) => f.text()).then((t) => console.log(r.statusCode, t.trim()))); }).on('error', (e) => { console.error(e.message); process.exit(1); })";
      const result = await runClient(process.execPath, ['-e', script], { env: { ...env, PATH: process.env['PATH'] ?? '' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '200 hello from origin over HTTP/1.1\n');
      assert.equal(result.stderr, '', 'no warning of any kind (undici says EnvHttpProxyAgent is experimental)');
      await harness.connection('quiet-fetch.example.test');
    } finally {
      await harness.close();
    }
  });

  it("lets the program's own warnings through", async () => {
    const result = await run("process.emitWarning('mine', { code: 'MINE' }); fetch('https://127.0.0.1:9/').catch(() => undefined)", {
      PINSCOPE_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /\[MINE\] Warning: mine/);
    assert.doesNotMatch(result.stderr, /UNDICI|experimental/);
  });
});
