/**
 * Trust knowledge from real processes and real files: the environment a process was started with is read
 * from /proc at accept time, the files its trust variables name are checked for the CA, the OS store is the
 * real system bundle (which does not hold a fresh test CA).
 */
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LinuxProcessAttributor } from '../../../src/core/process/linuxAttribution';
import { pemCertificates } from '../../../src/core/process/caBundles';
import { TrustKnowledgeReader } from '../../../src/core/process/trustKnowledge';
import { isGoBinary } from '../../../src/core/process/runtimes';
import { makeCertificate, startAttributionServer, type AttributionServer, type TestCertificate } from '../../support/attributionServer';

describe('trust knowledge of real processes', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  let server: AttributionServer;
  let certificate: TestCertificate;
  let reader: TrustKnowledgeReader;
  const attributor = new LinuxProcessAttributor({ deadlineMs: 2_000 });

  before(async () => {
    certificate = await makeCertificate();
    server = await startAttributionServer(attributor, certificate);
    const [caDer] = pemCertificates(certificate.cert);
    assert.ok(caDer);
    reader = new TrustKnowledgeReader({ caDer, sessionId: 'session-1', proxyUrl: 'http://127.0.0.1:1' });
  });
  after(async () => {
    await server.close();
    attributor.dispose();
  });

  async function knowledgeOf(command: string, args: string[], env: NodeJS.ProcessEnv) {
    const accepted = server.next();
    const child = spawn(command, args, { env, stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    const [attribution] = await accepted;
    if (attribution?.kind !== 'local') throw new Error(`expected a local process, got ${JSON.stringify(attribution)}`);
    return reader.assess(attribution.process, attribution.environment);
  }

  const nodeClient = (port: number): string[] => [
    '-e',
    `require('tls').connect({ host: '127.0.0.1', port: ${port}, servername: 'localhost' }).on('secureConnect', () => process.exit(0)).on('error', () => process.exit(1))`,
  ];

  it('a node process without NODE_EXTRA_CA_CERTS: not told to trust the CA, own store, fix in its launch', async () => {
    const env = { ...process.env };
    delete env['NODE_EXTRA_CA_CERTS'];
    const knowledge = await knowledgeOf(process.execPath, nodeClient(server.port), env);
    assert.equal(knowledge.runtime, 'node');
    assert.equal(knowledge.trustsCa, 'no');
    assert.equal(knowledge.gap, 'app-own-trust-store');
    assert.equal(knowledge.osStoreHasCa, false);
    assert.equal(knowledge.startedByPinscope, false);
    assert.match(
      knowledge.evidence.join(' '),
      /This node process was not told to trust the CA through its environment: NODE_EXTRA_CA_CERTS is not set/,
    );
  });

  it('a node process started by Pinscope with NODE_EXTRA_CA_CERTS holding the CA trusts it, and only "set / includes" is kept', async () => {
    const knowledge = await knowledgeOf(process.execPath, nodeClient(server.port), {
      ...process.env,
      NODE_EXTRA_CA_CERTS: certificate.certPath,
      PINSCOPE_SESSION: 'session-1',
    });
    assert.equal(knowledge.trustsCa, 'yes');
    assert.equal(knowledge.startedByPinscope, true);
    assert.deepEqual(knowledge.variables, [{ name: 'NODE_EXTRA_CA_CERTS', set: true, includesCa: true }]);
    assert.ok(!JSON.stringify(knowledge).includes(certificate.certPath));
  });

  it('curl pointed at a bundle without the CA replaces the OS store; curl with nothing set lacks the CA in the OS store', async () => {
    const other = join(dirname(certificate.certPath), 'other.pem');
    const system = readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
    writeFileSync(other, system.slice(0, system.indexOf('-----END CERTIFICATE-----') + 26));
    const replaced = await knowledgeOf('curl', ['-sS', `https://localhost:${server.port}/`], { ...process.env, CURL_CA_BUNDLE: other });
    assert.equal(replaced.gap, 'app-own-trust-store');
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'].includes(name)),
    );
    const plain = await knowledgeOf('curl', ['-sS', `https://localhost:${server.port}/`], env);
    assert.equal(plain.trustsCa, 'no');
    assert.equal(plain.gap, 'ca-not-installed');
    assert.match(plain.fix ?? '', /Export CA Certificate/);
  });

  it('Java without a trust store option: its cacerts lacks the CA', async () => {
    const env = { ...process.env };
    delete env['JAVA_TOOL_OPTIONS'];
    const knowledge = await knowledgeOf(
      'java',
      [join(__dirname, '..', '..', '..', '..', 'test', 'cli', 'clients', 'JavaClient.java'), `https://localhost:${server.port}/`],
      env,
    );
    assert.equal(knowledge.runtime, 'java');
    assert.equal(knowledge.trustsCa, 'no');
    assert.ok(knowledge.gap === 'ca-not-installed' || knowledge.gap === 'app-own-trust-store');
  });

  it('reads trust flags from the command line as evidence: curl --cacert, node --use-openssl-ca with SSL_CERT_FILE, java -Djavax.net.ssl.trustStore=', async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) =>
          !['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'JAVA_TOOL_OPTIONS'].includes(name),
      ),
    );
    const curl = await knowledgeOf('curl', ['-sS', '--cacert', certificate.certPath, `https://localhost:${server.port}/`], env);
    assert.equal(curl.trustsCa, 'yes');
    assert.match(curl.evidence.join(' '), /command line \(--cacert\)/);
    const node = await knowledgeOf(process.execPath, nodeClient(server.port), {
      ...env,
      NODE_OPTIONS: '--use-openssl-ca',
      SSL_CERT_FILE: certificate.certPath,
    });
    assert.equal(node.trustsCa, 'yes');
    assert.match(node.evidence.join(' '), /--use-openssl-ca/);
    // A JKS store (certificates kept as plain DER, which the inclusion check reads) holding the CA.
    const store = join(dirname(certificate.certPath), 'trust.jks');
    await new Promise((resolve, reject) =>
      execFile(
        'keytool',
        [
          '-importcert',
          '-noprompt',
          '-alias',
          'ca',
          '-file',
          certificate.certPath,
          '-keystore',
          store,
          '-storetype',
          'JKS',
          '-storepass',
          'changeit',
        ],
        { timeout: 120_000 },
        (error) => (error ? reject(new Error(`keytool failed: ${error.message}`)) : resolve(undefined)),
      ),
    );
    const java = await knowledgeOf(
      'java',
      [
        `-Djavax.net.ssl.trustStore=${store}`,
        '-Djavax.net.ssl.trustStorePassword=changeit',
        join(__dirname, '..', '..', '..', '..', 'test', 'cli', 'clients', 'JavaClient.java'),
        `https://localhost:${server.port}/`,
      ],
      env,
    );
    assert.equal(java.trustsCa, 'yes');
    assert.ok(!JSON.stringify(java).includes(store), 'the path stays in memory');
  });

  it('recognises a Go binary by its build info, and a C program as not Go', async () => {
    assert.equal(await isGoBinary('/usr/bin/go'), true);
    assert.equal(await isGoBinary('/usr/bin/curl'), false);
  });
});
