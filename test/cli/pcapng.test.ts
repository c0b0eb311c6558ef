/**
 * `pinscope export --format pcapng` end to end: real curl clients through `pinscope run` against a real
 * origin, the recording exported per host, and Debian's tshark reading each file with no key-log option:
 * the ClientHello of both legs, the forged chain on the client's leg and the real one on the server's,
 * and the client's alert or close, decrypted where TLS 1.3 encrypts them.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli';
import { startOrigin, type Origin } from '../support/origin';
import { temporaryDirectory } from '../support/temporaryDirectories';

const WRONG_PIN = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** One client per `pinscope run` (a proxy of its own): no upstream session is resumed, every server leg has its chain. */
const CLIENTS = [
  { host: 'pinned13.example.test', args: ['--tlsv1.3', '--pinnedpubkey', WRONG_PIN], ending: 'close_notify' },
  { host: 'pinned12.example.test', args: ['--tlsv1.2', '--tls-max', '1.2', '--pinnedpubkey', WRONG_PIN], ending: 'close_notify' },
  { host: 'unknownca13.example.test', args: ['--tlsv1.3', '--cacert', 'ORIGIN_CA'], ending: 'unknown_ca' },
  { host: 'unknownca12.example.test', args: ['--tlsv1.2', '--tls-max', '1.2', '--cacert', 'ORIGIN_CA'], ending: 'unknown_ca' },
] as const;

const ALERT_CODES = { close_notify: '0', unknown_ca: '48' } as const;

function tshark(file: string, ...args: string[]): string {
  return execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8' });
}

describe('pinscope export --format pcapng, read by tshark', () => {
  let origin: Origin;
  let dir: string;
  let recording: string;
  before(async () => {
    origin = await startOrigin();
    dir = temporaryDirectory('pcapng-cli');
    const recordings: string[] = [];
    for (const client of CLIENTS) {
      const events = join(dir, `${client.host}.jsonl`);
      const args = client.args.map((a) => (a === 'ORIGIN_CA' ? origin.caFile : a));
      // Capture is on by default (64 KiB each way).
      const run = await runCli([
        'run',
        '--ca-dir',
        join(dir, 'ca'),
        '--upstream-ca',
        origin.caFile,
        '--resolve',
        `*.example.test=127.0.0.1:${origin.port}`,
        '--events',
        events,
        '--fail-on',
        'never',
        '--',
        'sh',
        '-c',
        'curl -sS --max-time 10 "$@"; exit 0',
        'curl',
        ...args,
        `https://${client.host}/hello`,
      ]);
      assert.equal(run.code, 0, run.stderr);
      recordings.push(readFileSync(events, 'utf8'));
    }
    recording = join(dir, 'recording.jsonl');
    writeFileSync(recording, recordings.join(''));
  });
  after(async () => {
    await origin.close();
  });

  for (const client of CLIENTS) {
    it(`${client.host}: both legs, both chains, and the client's ${client.ending}`, async () => {
      const out = join(dir, `${client.host}.pcapng`);
      const exported = await runCli(['export', '--from', recording, '--format', 'pcapng', '--host', client.host, '--out', out]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stderr, /1 connection\(s\) written/);
      assert.equal(statSync(out).mode & 0o077, 0, 'owner-only: it holds TLS secrets');
      const hellos = tshark(
        out,
        '-Y',
        'tls.handshake.type == 1',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'tls.handshake.extensions_server_name',
      )
        .trim()
        .split('\n');
      assert.deepEqual(
        hellos.map((l) => l.split('\t')[1]).sort(),
        [client.host, client.host],
        `a ClientHello on each leg: ${hellos.join(' | ')}`,
      );
      const certificates = tshark(
        out,
        '-Y',
        'tls.handshake.type == 11',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'x509sat.uTF8String',
        '-e',
        'x509sat.printableString',
      )
        .trim()
        .split('\n');
      const forged = certificates.find((l) => l.startsWith('127.0.0.2\t'));
      const real = certificates.find((l) => l.startsWith('127.0.0.4\t'));
      assert.match(forged ?? '', /Pinscope Inspection CA/, `the forged chain on the client's leg: ${certificates.join(' | ')}`);
      assert.match(forged ?? '', new RegExp(client.host.replace(/\./g, '\\.')));
      assert.match(real ?? '', /Pinscope Test Origin CA/, `the real chain on the server's leg: ${certificates.join(' | ')}`);
      const alerts = tshark(out, '-Y', 'tls.alert_message', '-T', 'fields', '-e', 'ip.src', '-e', 'tls.alert_message.desc')
        .trim()
        .split('\n');
      assert.ok(
        alerts.includes(`127.0.0.1\t${ALERT_CODES[client.ending]}`),
        `the client's ${client.ending}, decrypted: ${alerts.join(' | ')}`,
      );
      const verbose = tshark(out, '-V');
      assert.match(verbose, /Pinscope connection \d+ to /);
    });
  }

  it('exports the whole recording, and says when nothing matches', async () => {
    const out = join(dir, 'all.pcapng');
    const all = await runCli(['export', '--from', recording, '--format', 'pcapng', '--out', out]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stderr, new RegExp(`${CLIENTS.length} connection\\(s\\) written`));
    const syns = tshark(out, '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0').trim().split('\n');
    assert.equal(syns.length, CLIENTS.length * 2, 'two legs per connection');
    const none = await runCli([
      'export',
      '--from',
      recording,
      '--format',
      'pcapng',
      '--host',
      'absent.example.test',
      '--out',
      join(dir, 'none.pcapng'),
    ]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no captured connection matches/);
    const noOut = await runCli(['export', '--from', recording, '--format', 'pcapng']);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--out FILE\.pcapng is required/);
  });
});
