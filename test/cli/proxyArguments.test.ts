/** The CLI's proxy flags: one name per concept (the setting's), the first names kept as aliases. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { confirmByTunnelling, PROXY_FLAGS, PROXY_FLAGS_HELP, toProxyOptions } from '../../src/cli/proxyArguments';
import type { ProxyOptions } from '../../src/core/proxy/proxyOptions';
import { UsageError } from '../../src/cli/usage';

const parse = (args: string[]): ReturnType<typeof toProxyOptions> =>
  toProxyOptions(parseArgs({ args, options: PROXY_FLAGS, strict: true, allowPositionals: false }).values);

describe('proxy flags', () => {
  it('--tunnel-host and its alias --passthrough both fill tunnelHosts', () => {
    assert.deepEqual(parse(['--tunnel-host', 'a.example.test', '--passthrough', '*.b.example.test']).tunnelHosts, [
      'a.example.test',
      '*.b.example.test',
    ]);
  });

  it('--host-override and its alias --resolve both fill hostOverrides', () => {
    assert.deepEqual(parse(['--resolve', 'a.example.test=127.0.0.1:1', '--host-override', 'b.example.test=127.0.0.1']).hostOverrides, [
      'b.example.test=127.0.0.1',
      'a.example.test=127.0.0.1:1',
    ]);
  });

  it('names the flag the user wrote in its error', () => {
    assert.throws(
      () => parse(['--passthrough', 'bad..host']),
      (error: unknown) => error instanceof UsageError && error.message.startsWith('--passthrough: '),
    );
    assert.throws(
      () => parse(['--tunnel-host', 'bad..host']),
      (error: unknown) => error instanceof UsageError && error.message.startsWith('--tunnel-host: '),
    );
    assert.throws(
      () => parse(['--host-override', 'nonsense']),
      (error: unknown) => error instanceof UsageError && error.message.startsWith('--host-override: '),
    );
  });
});

/** Every `pinscope.*` setting and the CLI flag that sets the same thing, with a value and what it becomes, or why there is none. */
type SettingFlag =
  | {
      readonly flag: string;
      readonly args: readonly string[];
      readonly expect: (options: ProxyOptions, confirm: boolean) => unknown;
      readonly aliases?: readonly string[];
    }
  | { readonly none: string };

const SETTING_FLAGS: Readonly<Record<string, SettingFlag>> = {
  port: { flag: '--port', args: ['8899'], expect: (o) => o.port === 8899 },
  listenAddress: { flag: '--listen-address', args: ['::1'], expect: (o) => o.host === '::1', aliases: ['--host'] },
  handshakeTimeoutMs: { flag: '--handshake-timeout', args: ['2500'], expect: (o) => o.handshakeTimeoutMs === 2500 },
  tunnelHosts: {
    flag: '--tunnel-host',
    args: ['*.example.test'],
    expect: (o) => o.tunnelHosts?.join() === '*.example.test',
    aliases: ['--passthrough'],
  },
  hostOverrides: {
    flag: '--host-override',
    args: ['a.example.test=127.0.0.1'],
    expect: (o) => o.hostOverrides?.join() === 'a.example.test=127.0.0.1',
    aliases: ['--resolve'],
  },
  upstreamCaFiles: {
    flag: '--upstream-ca-file',
    args: ['/tmp/ca.pem'],
    expect: (o) => o.upstreamCaFiles?.join() === '/tmp/ca.pem',
    aliases: ['--upstream-ca'],
  },
  inspectionProfile: { flag: '--profile', args: ['zscaler'], expect: (o) => o.inspectionProfile === 'zscaler' },
  intermediateCa: {
    flag: '--intermediate-ca',
    args: ['/tmp/int.pem,/tmp/int-key.pem'],
    expect: (o) => o.intermediateCa?.certFile === '/tmp/int.pem',
  },
  clientCertificates: {
    flag: '--client-cert',
    args: ['*.bank.test=/tmp/c.pem,/tmp/k.pem'],
    expect: (o) => o.clientCertificates?.length === 1,
  },
  upstreamProxy: { flag: '--upstream-proxy', args: ['http://127.0.0.1:3128'], expect: (o) => o.upstreamProxy === 'http://127.0.0.1:3128' },
  confirmByTunnelling: { flag: '--confirm-by-tunnelling', args: [], expect: (_o, confirm) => confirm, aliases: ['--auto-confirm'] },
  maxConnectionsKept: {
    none: 'the CLI keeps every connection for its summary and writes each to --events as it finishes; only the editor bounds what it keeps',
  },
  keyLogFile: { flag: '--key-log-file', args: ['/tmp/keys.log'], expect: (o) => o.keylogFile === '/tmp/keys.log', aliases: ['--keylog'] },
  captureBytes: { flag: '--capture-bytes', args: ['4096'], expect: (o) => o.captureBytes === 4096 },
  attributeProcesses: {
    flag: '--no-attribute-processes',
    args: [],
    expect: (o) => o.attributeProcesses === false,
    aliases: ['--no-attribution'],
  },
  applyToAllTerminals: { none: "VS Code's integrated terminals; the CLI's own is `pinscope run -- CMD`" },
  debugThroughProxy: { none: "VS Code's debug sessions; the CLI's own is `pinscope run -- CMD`" },
};

const parsed = (args: string[]): { options: ProxyOptions; confirm: boolean } => {
  const { values } = parseArgs({ args, options: PROXY_FLAGS, strict: true, allowPositionals: false });
  return { options: toProxyOptions(values), confirm: confirmByTunnelling(values) };
};

/** A flag's paragraph in the help: from its line to the next flag's. */
function helpOf(flag: string): string {
  const start = PROXY_FLAGS_HELP.indexOf(`  ${flag} `);
  assert.notEqual(start, -1, `${flag} is in the help`);
  const next = PROXY_FLAGS_HELP.slice(start + 2).search(/\n {2}--/);
  return next === -1 ? PROXY_FLAGS_HELP.slice(start) : PROXY_FLAGS_HELP.slice(start, start + 2 + next);
}

describe('settings and their CLI flags', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[] };
  };
  const settings = [manifest.contributes.configuration]
    .flat()
    .flatMap((c) => Object.keys(c.properties))
    .map((key) => key.replace(/^pinscope\./, ''));

  it('every setting in package.json has its flag, or says why it has none, and nothing else is listed', () => {
    assert.deepEqual([...settings].sort(), Object.keys(SETTING_FLAGS).sort());
  });

  for (const [setting, row] of Object.entries(SETTING_FLAGS)) {
    if ('none' in row) continue;
    it(`pinscope.${setting} is ${row.flag}${row.aliases ? `, and ${row.aliases.join(', ')} as ${row.aliases.length > 1 ? 'aliases' : 'an alias'}` : ''}, named in the help`, () => {
      const { options, confirm } = parsed([row.flag, ...row.args]);
      assert.equal(row.expect(options, confirm), true, JSON.stringify(options));
      // The flag's name is the setting's, in kebab case (negated for a setting that is on by default), unless listed here.
      const kebab = setting.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const other: Readonly<Record<string, string>> = {
        handshakeTimeoutMs: '--handshake-timeout',
        tunnelHosts: '--tunnel-host',
        hostOverrides: '--host-override',
        upstreamCaFiles: '--upstream-ca-file',
        inspectionProfile: '--profile',
        clientCertificates: '--client-cert',
        attributeProcesses: '--no-attribute-processes',
      };
      assert.equal(row.flag, other[setting] ?? `--${kebab}`);
      const help = helpOf(row.flag);
      assert.match(help, new RegExp(`setting\\s+pinscope\\.${setting}\\b`));
      for (const alias of row.aliases ?? []) {
        const byAlias = parsed([alias, ...row.args]);
        assert.deepEqual(byAlias, { options, confirm }, alias);
        assert.match(help, new RegExp(`${alias} is accepted too`), alias);
      }
    });
  }

  it('a flag and its alias that disagree are refused with both names', () => {
    assert.throws(
      () => parsed(['--listen-address', '127.0.0.1', '--host', '::1']),
      (error: unknown) => error instanceof UsageError && /--listen-address and its alias --host disagree/.test(error.message),
    );
    assert.throws(
      () => parsed(['--keylog', '/tmp/a', '--key-log-file', '/tmp/b']),
      (error: unknown) => error instanceof UsageError && /--key-log-file and its alias --keylog disagree/.test(error.message),
    );
    assert.throws(
      () => parsed(['--host', 'example.com']),
      (error: unknown) => error instanceof UsageError && /^--host expects an IP address/.test(error.message),
    );
    assert.throws(
      () => parsed(['--listen-address', 'example.com']),
      (error: unknown) => error instanceof UsageError && /^--listen-address expects an IP address/.test(error.message),
    );
  });
});
