/** The CLI's proxy flags: one name per concept (the setting's), the first names kept as aliases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { PROXY_FLAGS, toProxyOptions } from '../../src/cli/proxyArguments';
import { UsageError } from '../../src/cli/usage';

const parse = (args: string[]): ReturnType<typeof toProxyOptions> => toProxyOptions(parseArgs({ args, options: PROXY_FLAGS, strict: true, allowPositionals: false }).values);

describe('proxy flags', () => {
  it('--tunnel-host and its alias --passthrough both fill tunnelHosts', () => {
    assert.deepEqual(parse(['--tunnel-host', 'a.example.test', '--passthrough', '*.b.example.test']).tunnelHosts, ['a.example.test', '*.b.example.test']);
  });

  it('--host-override and its alias --resolve both fill hostOverrides', () => {
    assert.deepEqual(parse(['--resolve', 'a.example.test=127.0.0.1:1', '--host-override', 'b.example.test=127.0.0.1']).hostOverrides, ['b.example.test=127.0.0.1', 'a.example.test=127.0.0.1:1']);
  });

  it('names the flag the user wrote in its error', () => {
    assert.throws(() => parse(['--passthrough', 'bad..host']), (error: unknown) => error instanceof UsageError && error.message.startsWith('--passthrough: '));
    assert.throws(() => parse(['--tunnel-host', 'bad..host']), (error: unknown) => error instanceof UsageError && error.message.startsWith('--tunnel-host: '));
    assert.throws(() => parse(['--host-override', 'nonsense']), (error: unknown) => error instanceof UsageError && error.message.startsWith('--host-override: '));
  });
});
