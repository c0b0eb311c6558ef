import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { hostFromUserInput, hostName } from '../../src/core/hostNames';
import { parseConnectTarget } from '../../src/core/proxy/protocol/proxyTargets';
import { targetHost } from '../../src/core/timeline';
import { record, transcripts } from '../support/transcripts';

describe('hostFromUserInput: what a person types in "Tunnel host…"', () => {
  const cases: [string, string][] = [
    ['api.example.com', 'api.example.com'],
    ['  API.Example.COM. ', 'api.example.com'],
    ['https://api.example.com/path?q=1', 'api.example.com'],
    ['https://user@api.example.com:8443/x', 'api.example.com'],
    ['api.example.com:443', 'api.example.com'],
    ['api.example.com/v1/things', 'api.example.com'],
    ['[::1]:8443', '::1'],
    ['https://[2001:db8::1]/', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['10.0.0.1:80', '10.0.0.1'],
  ];
  for (const [input, host] of cases) {
    it(`${JSON.stringify(input)} → ${host}`, () => assert.deepEqual(hostFromUserInput(input), { host }));
  }

  it('refuses with the reason', () => {
    assert.match((hostFromUserInput('') as { error: string }).error, /Enter a host name/);
    assert.match((hostFromUserInput('*.example.com') as { error: string }).error, /pinscope\.tunnelHosts/);
    assert.match((hostFromUserInput('not a host') as { error: string }).error, /"not a host" is not a host name/);
    assert.match((hostFromUserInput('http://') as { error: string }).error, /not a URL/);
    assert.match((hostFromUserInput('exa<mple>.com') as { error: string }).error, /is not a host name/);
  });
});

describe('the normal form of a host, made once at each edge', () => {
  // hostName: a host already split from its port (a CONNECT target's host, an SNI, a recorded host).
  const normalForms: [string, string, string][] = [
    ['lower case', 'API.Example.COM', 'api.example.com'],
    ['no trailing dot', 'api.example.com.', 'api.example.com'],
    ['both', 'Api.Example.Com.', 'api.example.com'],
    ['trimmed', '  api.example.com ', 'api.example.com'],
    ['already normal', 'api.example.com', 'api.example.com'],
    ['IPv6 without brackets', '[2001:DB8::1]', '2001:db8::1'],
    ['IPv6 already bare', '2001:db8::1', '2001:db8::1'],
    ['IPv4 unchanged', '10.0.0.1', '10.0.0.1'],
    ['punycode in lower case', 'XN--BCHER-KVA.Example.', 'xn--bcher-kva.example'],
    ['an underscore kept', '_Srv.Example.com', '_srv.example.com'],
  ];
  for (const [what, input, normal] of normalForms) {
    it(`hostName, ${what}: ${JSON.stringify(input)} → ${normal}`, () => assert.equal(hostName(input), normal));
  }
  it('is idempotent', () => {
    for (const [, input] of normalForms) assert.equal(hostName(hostName(input)), hostName(input));
  });

  // A person's input: a URL or host:port is reduced to its host first (ports and paths go).
  const typed: [string, string, string][] = [
    ['port dropped', 'Api.Example.com.:8443', 'api.example.com'],
    ['IPv6 port and brackets dropped', '[2001:DB8::1]:443', '2001:db8::1'],
    ['URL: scheme, port, path dropped', 'HTTPS://Api.Example.com.:8443/x?y', 'api.example.com'],
    ['IDN in a URL becomes punycode', 'https://Bücher.Example/', 'xn--bcher-kva.example'],
  ];
  for (const [what, input, normal] of typed) {
    it(`hostFromUserInput, ${what}: ${JSON.stringify(input)} → ${normal}`, () =>
      assert.deepEqual(hostFromUserInput(input), { host: normal }));
  }
  it('a bare Unicode name is not taken for a host (IDN is converted only through a URL)', () => {
    assert.match((hostFromUserInput('bücher.example') as { error: string }).error, /is not a host name/);
  });

  // The CONNECT target: validated, then in normal form.
  const targets: [string, string, number][] = [
    ['Mixed.Example.Test.:443', 'mixed.example.test', 443],
    ['[2001:DB8::1]:8443', '2001:db8::1', 8443],
  ];
  for (const [authority, host, port] of targets) {
    it(`CONNECT ${authority} → ${host}:${port}`, () => assert.deepEqual(parseConnectTarget(authority), { host, port }));
  }

  it("a record's host: the SNI as sent (mixed case, trailing dot) is the same host as its CONNECT target", () => {
    const spelled = record('Spelled.Example.Test.', transcripts.alert('SPELLED.example.test.').events);
    assert.equal(targetHost(spelled), 'spelled.example.test');
    assert.equal(spelled.host, 'spelled.example.test');
  });
});

describe('the normal form is made in one place', () => {
  const ROOT = resolve(__dirname, '..', '..', '..');
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    });

  it('no code but hostNames.ts asserts a string into a HostName (every other one comes from hostName or hostFromUserInput)', () => {
    const asserted = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'webview'))]
      .filter((path) => /\bas HostName\b/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(ROOT, path));
    assert.deepEqual(asserted, [join('src', 'core', 'hostNames.ts')]);
  });
});
