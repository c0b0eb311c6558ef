/** The pure parts of routing: NO_PROXY matching, Node's own proxy support by version, the JKS trust store, the one list of CA variables. */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CA_VARIABLES } from '../../../src/core/setup/caVariables';
import { javaTrustStore, pemCertificates } from '../../../src/core/setup/javaTrustStore';
import { nativeEnvProxy } from '../../../src/core/setup/nodeEnvProxy';
import { bypassesProxy, parseNoProxy } from '../../../src/core/setup/noProxy';
import { proxyEnvironment } from '../../../src/core/setup/proxyEnvironment';

describe('NO_PROXY', () => {
  const entries = parseNoProxy('localhost, .corp.example,*.internal.test 10.0.0.1:8443,[::1]');
  it('matches a host, its subdomains, and ports only where given', () => {
    assert.equal(bypassesProxy(entries, 'localhost', 443), true);
    assert.equal(bypassesProxy(entries, 'corp.example', 443), true);
    assert.equal(bypassesProxy(entries, 'api.corp.example', 443), true);
    assert.equal(bypassesProxy(entries, 'a.b.internal.test', 80), true);
    assert.equal(bypassesProxy(entries, 'notcorp.example', 443), false);
    assert.equal(bypassesProxy(entries, '10.0.0.1', 8443), true);
    assert.equal(bypassesProxy(entries, '10.0.0.1', 443), false);
    assert.equal(bypassesProxy(entries, '[::1]', 443), true);
    assert.equal(bypassesProxy(entries, 'api.example.test', 443), false);
  });
  it('bypasses everything with *, nothing when empty', () => {
    assert.equal(bypassesProxy(parseNoProxy('*'), 'anything.test', 1), true);
    assert.equal(bypassesProxy(parseNoProxy(undefined), 'localhost', 1), false);
  });
});

describe("Node's own environment-proxy support", () => {
  it('knows which versions route fetch and the http/https agents themselves', () => {
    assert.deepEqual(nativeEnvProxy('v20.20.2'), { fetch: false, agents: false });
    assert.deepEqual(nativeEnvProxy('v22.20.0'), { fetch: false, agents: false });
    assert.deepEqual(nativeEnvProxy('v22.21.0'), { fetch: true, agents: true });
    assert.deepEqual(nativeEnvProxy('v23.11.0'), { fetch: false, agents: false });
    assert.deepEqual(nativeEnvProxy('v24.4.1'), { fetch: true, agents: false });
    assert.deepEqual(nativeEnvProxy('v24.5.0'), { fetch: true, agents: true });
    assert.deepEqual(nativeEnvProxy('v26.0.0'), { fetch: true, agents: true });
    assert.deepEqual(nativeEnvProxy('garbage'), { fetch: false, agents: false });
  });
});

describe('the Java trust store', () => {
  it('is a JKS that keytool lists with every certificate as a trusted entry', async () => {
    const certificates = pemCertificates(rootCertificates.join('\n'));
    const path = join(mkdtempSync(join(tmpdir(), 'pinscope-jks-')), 'store.jks');
    writeFileSync(path, javaTrustStore(certificates, new Date(0)));
    const listing = await new Promise<string>((resolve, reject) =>
      execFile(
        'keytool',
        ['-list', '-keystore', path, '-storepass', 'changeit', '-storetype', 'JKS'],
        { timeout: 60_000 },
        (error, stdout) => (error ? reject(new Error(`keytool failed: ${error.message}`)) : resolve(stdout)),
      ),
    );
    assert.match(listing, new RegExp(`contains ${certificates.length} entries`));
    assert.equal(listing.match(/trustedCertEntry/g)?.length, certificates.length);
  });
  it('fails its integrity check with another password', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pinscope-jks-')), 'store.jks');
    writeFileSync(path, javaTrustStore(pemCertificates(rootCertificates.slice(0, 2).join('\n')), new Date(0)));
    const code = await new Promise<number>((resolve) =>
      execFile('keytool', ['-list', '-keystore', path, '-storepass', 'wrong-password', '-storetype', 'JKS'], { timeout: 60_000 }, (error) =>
        resolve(error ? 1 : 0),
      ),
    );
    assert.equal(code, 1);
  });
});

describe('the proxy environment', () => {
  const files = {
    caCertPath: '/ca/ca.pem',
    trustBundlePath: '/ca/bundle.pem',
    javaTrustStorePath: '/ca dir/store.jks',
    nodePreloadPath: '/ca dir/preload.js',
    wgetrcPath: '/ca/wgetrc',
    phpIniDirectory: '/ca/php',
  };
  const env = proxyEnvironment({
    proxyUrl: 'http://127.0.0.1:8080',
    files,
    inherited: { NODE_OPTIONS: '--max-old-space-size=512', JAVA_TOOL_OPTIONS: '-Xss2m' },
  });
  it('sets every CA variable of the one list, to the CA alone or the bundle', () => {
    for (const variable of CA_VARIABLES)
      assert.equal(env[variable.name], variable.value === 'ca' ? files.caCertPath : files.trustBundlePath, variable.name);
  });
  it("keeps the inherited option variables in front of Pinscope's, quoting paths with spaces", () => {
    assert.equal(env['NODE_OPTIONS'], '--max-old-space-size=512 --require "/ca dir/preload.js"');
    assert.match(
      env['JAVA_TOOL_OPTIONS'] ?? '',
      /^-Xss2m -Dhttp\.proxyHost=127\.0\.0\.1 .*-Djavax\.net\.ssl\.trustStore="\/ca dir\/store\.jks" -Djavax\.net\.ssl\.trustStoreType=JKS/,
    );
    assert.equal(env['PHP_INI_SCAN_DIR'], ':/ca/php');
  });
});

describe('the documentation of the CA variables', () => {
  it('names every variable of the one list in the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    const missing = CA_VARIABLES.filter((v) => !readme.includes(`\`${v.name}\``)).map((v) => v.name);
    assert.deepEqual(missing, []);
  });
});
