import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findOverride,
  HostPatternList,
  matchesHostPattern,
  parseHostOverride,
  parseHostPattern,
} from '../../../../src/core/proxy/protocol/hostPatterns';
import { parseConnectTarget } from '../../../../src/core/proxy/protocol/proxyTargets';

describe('host patterns', () => {
  it('matches exact, subdomain-only and domain-and-subdomain patterns', () => {
    assert.ok(matchesHostPattern('api.example.com', 'API.example.com.'));
    assert.ok(matchesHostPattern('*.example.com', 'a.b.example.com'));
    assert.ok(!matchesHostPattern('*.example.com', 'example.com'));
    assert.ok(matchesHostPattern('.example.com', 'example.com'));
    assert.ok(matchesHostPattern('.example.com', 'x.example.com'));
    assert.ok(!matchesHostPattern('.example.com', 'badexample.com'));
    assert.equal(new HostPatternList(['a.test', '*.b.test']).match('x.b.test'), '*.b.test');
  });

  it('rejects malformed patterns with a reason', () => {
    assert.throws(() => parseHostPattern(''), /empty/);
    assert.throws(() => parseHostPattern('a.*.test'), /leftmost/);
    assert.throws(() => parseHostPattern('<img>.test'), /not valid/);
  });

  it('parses curl-style overrides', () => {
    assert.deepEqual(parseHostOverride('*.example.test=127.0.0.1:9443'), { pattern: '*.example.test', address: '127.0.0.1', port: 9443 });
    assert.deepEqual(parseHostOverride('a.test=[::1]'), { pattern: 'a.test', address: '::1', port: null });
    assert.throws(() => parseHostOverride('a.test'), /PATTERN=ADDRESS/);
    assert.throws(() => parseHostOverride('a.test=1.2.3.4:99999'), /out of range/);
    const overrides = ['*.test=10.0.0.1', 'x.a.test=10.0.0.3', '*.a.test=10.0.0.2'].map(parseHostOverride);
    assert.equal(findOverride(overrides, 'x.a.test')?.address, '10.0.0.3', 'exact wins');
    assert.equal(findOverride(overrides, 'y.a.test')?.address, '10.0.0.2', 'the longer wildcard wins');
    assert.equal(findOverride(overrides, 'b.test')?.address, '10.0.0.1');
  });

  it('parses CONNECT targets and refuses bad ones', () => {
    assert.deepEqual(parseConnectTarget('Example.COM:443'), { host: 'example.com', port: 443 });
    assert.deepEqual(parseConnectTarget('[::1]:8443'), { host: '::1', port: 8443 });
    for (const bad of ['example.com', 'example.com:0', 'example.com:70000', '<script>:443', 'a b:443', ':443']) {
      assert.ok('error' in parseConnectTarget(bad), bad);
    }
  });
});
