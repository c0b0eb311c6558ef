import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostFromUserInput } from '../../src/core/hostNames';

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
