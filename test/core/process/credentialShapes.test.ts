/**
 * One redaction for every output that carries a command line or a URL (issue 28): the common credential
 * shapes, each a row — argument vectors (`redactCommand`) and free text (`redactText`, a logged line).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactCommand, redactText } from '../../../src/core/process/commandRedaction';

const SECRET = 'SUPERSECRET';

describe('credential shapes in command lines', () => {
  const argv: readonly [string[], string][] = [
    [['deploy', '--token', SECRET], 'deploy --token ***'],
    [['deploy', `--token=${SECRET}`], 'deploy --token=***'],
    [['mysql', `-p${SECRET}`, 'db'], 'mysql -p*** db'],
    [['curl', `-ualice:${SECRET}`, 'https://api.test/'], 'curl -ualice:*** https://api.test/'],
    [['redis-cli', '-h', 'cache', '-a', SECRET, 'ping'], 'redis-cli -h cache -a *** ping'],
    [['/usr/bin/redis-cli', '-a', SECRET], '/usr/bin/redis-cli -a ***'],
    [['curl', '-H', `PRIVATE-TOKEN: ${SECRET}`, 'https://gitlab.test/api'], "curl -H 'PRIVATE-TOKEN: ***' https://gitlab.test/api"],
    [['curl', '-H', `X-Vault-Token:${SECRET}`, 'https://vault.test/'], 'curl -H X-Vault-Token:*** https://vault.test/'],
    [['curl', '-H', `Authorization: Bearer ${SECRET}`], "curl -H 'Authorization: ***'"],
    [['curl', `--header=Authorization: Bearer ${SECRET}`], "curl '--header=Authorization: ***'"],
    [['git', 'clone', `https://${SECRET}@github.com/o/r.git`], 'git clone https://***@github.com/o/r.git'],
    [['git', 'clone', `https://alice:${SECRET}@git.test/r.git`], 'git clone https://alice:***@git.test/r.git'],
    [['mongosh', `alice:${SECRET}@db.test:27017/app`], 'mongosh alice:***@db.test:27017/app'],
    [['psql', `host=db.test user=app password=${SECRET} dbname=app`], "psql 'host=db.test user=app password=*** dbname=app'"],
    [['app', `https://api.test/cb?access_token=${SECRET}&x=1`], "app 'https://api.test/cb?access_token=***&x=1'"],
    [['aws', 's3', 'ls', '--access-key', 'AKIAABCDEFGHIJKLMNOP'], 'aws s3 ls --access-key ***'],
    [['env', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'app'], 'env AWS_SECRET_ACCESS_KEY=*** app'],
    [['tool', 'ASIAABCDEFGHIJKLMNOP'], 'tool ***'],
    [['tool', 'glpat-abcdefghijklmnopqrstuv'], 'tool ***'],
  ];
  for (const [args, expected] of argv) {
    it(`${args.slice(0, 3).join(' ')} → ${expected}`, () => {
      assert.equal(redactCommand(args), expected);
    });
  }

  const text: readonly [string, string][] = [
    [`curl -H "PRIVATE-TOKEN: ${SECRET}" https://gitlab.test`, 'curl -H "PRIVATE-TOKEN: ***" https://gitlab.test'],
    [`deploy --token ${SECRET} --verbose`, 'deploy --token *** --verbose'],
    [`mysql -p${SECRET} db`, 'mysql -p*** db'],
    [`GET https://${SECRET}@host.test/x`, 'GET https://***@host.test/x'],
    [`dsn: postgres://app:${SECRET}@db.test/app`, 'dsn: postgres://app:***@db.test/app'],
  ];
  for (const [line, expected] of text) {
    it(`free text: ${expected}`, () => {
      assert.equal(redactText(line), expected);
    });
  }

  it('keeps ordinary arguments as they are', () => {
    for (const args of [
      ['docker', 'run', 'oauth2-proxy:latest'],
      ['git', 'clone', 'git@github.com:o/r.git'],
      ['ls', '-a'],
      ['ssh', 'alice@host.test'],
      ['node', 'server.js', '--port', '8080'],
    ]) {
      assert.equal(redactCommand(args), args.join(' '));
    }
  });
});
