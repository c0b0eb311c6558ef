/** Privacy: command lines shown or exported never carry credentials. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactCommand } from '../../../src/core/process/commandRedaction';
import { describeAncestry } from '../../../src/core/process/appRecognition';
import { toProcessRecord } from '../../../src/core/process/processIdentity';

const SECRETS = ['s3cr3t-value', 'hunter2', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 'AKIAABCDEFGHIJKLMNOP', 'Bearer-xyz-123'];

describe('command line redaction', () => {
  const cases: [string[], string][] = [
    [['node', 'server.js', '--token=s3cr3t-value'], 'node server.js --token=***'],
    [['mysql', '--password', 'hunter2', 'db'], 'mysql --password *** db'],
    [['psql', '-p', 'hunter2'], 'psql -p ***'],
    [['git', 'clone', 'https://alice:hunter2@git.example.test/repo.git'], 'git clone https://alice:***@git.example.test/repo.git'],
    [['curl', '-H', 'Authorization: Bearer-xyz-123', 'https://api.test/'], "curl -H 'Authorization: ***' https://api.test/"],
    [['curl', '--header=Authorization: Bearer-xyz-123'], "curl '--header=Authorization: ***'"],
    [['curl', '-u', 'alice:hunter2', 'https://api.test/'], 'curl -u alice:*** https://api.test/'],
    [['app', 'https://api.test/v1?api_key=s3cr3t-value&page=2'], "app 'https://api.test/v1?api_key=***&page=2'"],
    [['env', 'GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123', 'make'], 'env GITHUB_TOKEN=*** make'],
    [['deploy', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 'AKIAABCDEFGHIJKLMNOP'], 'deploy *** ***'],
    [['java', '-Djavax.net.ssl.trustStorePassword=hunter2', '-jar', 'app.jar'], 'java -Djavax.net.ssl.trustStorePassword=*** -jar app.jar'],
    [['python3', 'fetch.py', '--client-secret', 'hunter2', '--verbose'], 'python3 fetch.py --client-secret *** --verbose'],
  ];
  for (const [argv, expected] of cases) {
    it(`redacts ${argv.slice(0, 2).join(' ')}…`, () => {
      const shown = redactCommand(argv);
      assert.equal(shown, expected);
      for (const secret of SECRETS) assert.ok(!shown.includes(secret), `${secret} leaked in ${shown}`);
    });
  }

  it('keeps ordinary arguments readable', () => {
    assert.equal(
      redactCommand(['node', '--max-old-space-size=4096', 'server.js', '--port', '8080']),
      'node --max-old-space-size=4096 server.js --port 8080',
    );
    assert.equal(redactCommand(['curl', '-sS', 'https://example.test/path?q=1']), "curl -sS 'https://example.test/path?q=1'");
  });

  it('bounds long command lines', () => {
    assert.ok(redactCommand(['node', 'x'.repeat(5000)]).length <= 400);
  });

  it('the label and the exported record carry only the redacted command, never the environment', () => {
    const argv = ['node', 'server.js', '--password', 'hunter2'];
    const ancestry = describeAncestry([
      { pid: 10, name: 'node', path: '/usr/bin/node', argv },
      { pid: 9, name: 'bash', path: '/bin/bash', argv: ['bash'] },
      {
        pid: 8,
        name: 'node',
        path: '/usr/lib/code-server/lib/node',
        argv: ['/usr/lib/code-server/lib/node', '/usr/lib/code-server/out/bootstrap-fork', '--type=ptyHost'],
      },
    ]);
    assert.equal(ancestry.label, 'Code terminal › bash › node server.js');
    const record = toProcessRecord({
      kind: 'local',
      process: {
        pid: 10,
        startTime: '1',
        key: '10@1',
        path: '/usr/bin/node',
        name: 'node',
        command: redactCommand(argv),
        arguments: argv,
        parents: ancestry.parents,
        app: ancestry.app,
        label: ancestry.label,
      },
      environment: new Map([['NODE_EXTRA_CA_CERTS', '/home/alice/secret-path/ca.pem']]),
    });
    const exported = JSON.stringify(record);
    assert.ok(!exported.includes('hunter2'));
    assert.ok(!exported.includes('secret-path'));
    assert.equal(record.command, 'node server.js --password ***');
  });
});
