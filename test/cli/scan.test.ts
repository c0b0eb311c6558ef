/**
 * `pinscope scan` end to end: a real TLS origin recorded through the proxy by `pinscope run`, then a
 * workspace whose pins no longer match the chain that origin serves is scanned against that recording.
 * The SARIF output is validated against the SARIF 2.1.0 JSON schema.
 */
import * as assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { ROOT, runCli } from '../support/cli';
import { makeOriginCertificates } from '../support/origin';

const SARIF_SCHEMA = join(ROOT, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

function spkiPinOf(pem: string): string {
  return createHash('sha256')
    .update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

interface JsonFinding {
  readonly file: string;
  readonly line: number;
  readonly severity: string;
  readonly hosts: readonly { domain: string }[];
  readonly stale: readonly { host: string; served: string[]; certain: boolean }[];
  readonly observed: readonly {
    host: string;
    breaks: boolean;
    pinning: string;
    categories: Record<string, number>;
    chains: { pins: string[]; complete: boolean }[];
  }[];
}

describe('pinscope scan against a real recording', () => {
  let origin: Server;
  let dir: string;
  let workspace: string;
  let events: string;
  let leafPin: string;
  let caPin: string;

  before(async () => {
    // A server that sends its whole chain, root included, as some do: the stale verdict is then certain.
    const certificates = makeOriginCertificates(['localhost', '*.example.test']);
    origin = createServer({ key: certificates.keyPem, cert: certificates.leafPem + certificates.caPem }, (_request, response) =>
      response.end('hello\n'),
    );
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = (origin.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'pinscope-scan-'));
    events = join(dir, 'events.jsonl');
    const caFile = join(dir, 'origin-ca.pem');
    writeFileSync(caFile, certificates.caPem);
    leafPin = spkiPinOf(certificates.leafPem);
    caPin = spkiPinOf(certificates.caPem);
    // The proxy resumes upstream TLS sessions across sibling hosts, and a resumed session shows no chain:
    // one run per host whose chain the test compares, the recordings then joined into one.
    const recordings: string[] = [];
    for (const script of [
      'curl -sS --max-time 10 https://api.example.test/hello; curl -sS --max-time 10 --pinnedpubkey "sha256//$PIN" https://pinned.example.test/hello; exit 0',
      'curl -sS --max-time 10 https://backup.example.test/hello',
    ]) {
      const recording = join(dir, `events-${recordings.length}.jsonl`);
      const run = await runCli(
        [
          'run',
          '--ca-dir',
          join(dir, 'ca'),
          '--upstream-ca',
          caFile,
          '--resolve',
          `*.example.test=127.0.0.1:${port}`,
          '--events',
          recording,
          '--fail-on',
          'never',
          '--',
          'sh',
          '-c',
          script,
        ],
        { ...process.env, PIN: leafPin },
      );
      assert.equal(run.code, 0, run.stderr);
      recordings.push(readFileSync(recording, 'utf8'));
    }
    writeFileSync(events, recordings.join(''));
    workspace = join(dir, 'app');
    mkdirSync(join(workspace, 'res', 'xml'), { recursive: true });
    writeFileSync(
      join(workspace, 'res', 'xml', 'network_security_config.xml'),
      `<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <domain-config>
        <domain includeSubdomains="true">api.example.test</domain>
        <pin-set>
            <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
            <pin digest="SHA-256">fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=</pin>
        </pin-set>
    </domain-config>
    <domain-config>
        <domain>backup.example.test</domain>
        <pin-set>
            <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
            <pin digest="SHA-256">${caPin}</pin>
        </pin-set>
    </domain-config>
</network-security-config>
`,
    );
    writeFileSync(
      join(workspace, 'Pinning.kt'),
      `val pinner = CertificatePinner.Builder()
    .add("*.example.test", "sha256/${leafPin}")
    .build()
`,
    );
  });

  after(async () => {
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  });

  it('reports the stale pin from the chain the server really serves, and the observed breakage', async () => {
    const result = await runCli(['scan', workspace, '--events', events, '--format', 'json']);
    assert.equal(result.code, 3, result.stderr);
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
    const byLine = new Map(findings.map((f) => [`${f.file}:${f.line}`, f]));
    const stale = byLine.get('res/xml/network_security_config.xml:5');
    assert.ok(stale, result.stdout);
    assert.equal(stale.severity, 'error');
    assert.deepEqual(
      stale.stale.map((s) => s.host),
      ['api.example.test'],
    );
    assert.deepEqual(
      stale.stale,
      [{ host: 'api.example.test', served: [leafPin, caPin], certain: true }],
      'the served pins are the real leaf and root keys',
    );
    assert.equal(stale.observed[0]?.categories['ok'], 1);
    const backup = byLine.get('res/xml/network_security_config.xml:12');
    assert.deepEqual(
      backup?.observed.map((o) => o.host),
      ['backup.example.test'],
    );
    assert.deepEqual(
      backup.observed[0]?.chains,
      [{ pins: [leafPin, caPin], complete: true }],
      'the whole chain was seen for the backup host',
    );
    assert.deepEqual(backup.stale, [], 'a backup pin on the CA key matches: not stale');
    const okhttp = byLine.get('Pinning.kt:2');
    assert.deepEqual(okhttp?.stale, []);
    const pinned = okhttp.observed.find((o) => o.host === 'pinned.example.test');
    assert.equal(pinned?.breaks, true);
    assert.equal(pinned.pinning, 'likely');
    assert.deepEqual(okhttp.observed.map((o) => o.host).sort(), ['api.example.test', 'backup.example.test', 'pinned.example.test']);

    const text = await runCli(['scan', workspace, '--events', events, '--fail-on', 'never']);
    assert.equal(text.code, 0);
    assert.match(
      text.stdout,
      /^res\/xml\/network_security_config\.xml:5: error: STALE PINS: api\.example\.test serves a chain matching none of the 2 pins/m,
    );
    assert.match(text.stdout, /observed: pinned\.example\.test — breaks under inspection \(closed-after-handshake ×1, pinning likely\)/);
  });

  it('writes SARIF that validates against the SARIF 2.1.0 schema', async () => {
    const out = join(dir, 'scan.sarif');
    const result = await runCli(['scan', workspace, '--events', events, '--format', 'sarif', '--out', out, '--fail-on', 'never']);
    assert.equal(result.code, 0, result.stderr);
    const schema = JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')) as { title: string };
    assert.match(schema.title, /SARIF\) Version 2\.1\.0/);
    // The schema's language pattern is not a valid Unicode-mode regular expression: compile patterns without the u flag.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const log = JSON.parse(readFileSync(out, 'utf8')) as Log;
    assert.equal(validate(log), true, JSON.stringify(validate.errors, null, 2));
    const results = log.runs[0]?.results ?? [];
    assert.deepEqual(
      results.map(
        (r) =>
          `${r.ruleId ?? ''} ${r.level ?? ''} ${r.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? ''}:${r.locations?.[0]?.physicalLocation?.region?.startLine ?? 0}`,
      ),
      [
        'PS003 warning Pinning.kt:2',
        'PS001 error res/xml/network_security_config.xml:5',
        'PS004 note res/xml/network_security_config.xml:12',
      ],
    );
    // The validator is not vacuous: a result without a message is rejected.
    const broken = structuredClone(log);
    delete (broken.runs[0]?.results?.[0] as { message?: unknown }).message;
    assert.equal(validate(broken), false);
  });

  it('rejects bad arguments with a precise message and status 2', async () => {
    const format = await runCli(['scan', workspace, '--format', 'xml']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format expects one of text, json, sarif, got "xml"/);
    const missing = await runCli(['scan', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /is not a folder/);
    const badEvents = join(dir, 'bad.jsonl');
    writeFileSync(badEvents, '{not json\n');
    // A damaged line is skipped and named; the rest of the recording is used (as `export` does).
    const bad = await runCli(['scan', workspace, '--events', badEvents, '--fail-on', 'never']);
    assert.equal(bad.code, 0, bad.stderr);
    assert.match(bad.stderr, /pinscope scan: skipped .*bad\.jsonl line 1: not JSON/);
  });
});
