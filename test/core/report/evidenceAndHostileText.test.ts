/**
 * Evidence and hostile text in reports (issues 23, 28): the evidence keeps the real chain, hostile names
 * never group hosts and are escaped in every report (control characters, Unicode bidi controls), JA4 per the spec.
 */
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readClientHello } from '../../../src/core/proxy/protocol/clientHello';
import { buildExemptionRequest } from '../../../src/core/exemptions/exemptionRequest';
import { judgeAll, summariseHosts } from '../../../src/core/diagnosis/hostSummary';
import { renderSummaryMarkdown } from '../../../src/core/report/summaryMarkdown';
import type { NewEvent } from '../../../src/core/timeline';
import { captureClientHello } from '../../support/clientHellos';
import { hello, JA4_APP, record, transcripts } from '../../support/transcripts';
import { escapeData, escapeProperty } from '../../../src/core/report/githubAnnotations';
import { terminalSafe } from '../../../src/core/report/connectionReport';
import { markdownText } from '../../../src/core/report/textEscaping';
import { hostName } from '../../../src/core/hostNames';

const eventsOf = (r: { events: readonly object[] }): NewEvent[] =>
  r.events.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 't')) as NewEvent);
// eslint-disable-next-line no-control-regex -- the point: no raw control characters in an output
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

describe('evidence and hostile text in reports', () => {
  const realCertificate = {
    subject: 'CN=bank.test',
    issuer: 'CN=Real CA',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2027-01-01T00:00:00.000Z',
    serialNumber: '01',
    pin: 'r3alPinBase64AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  };
  const exportOf = (format: string, records: ReturnType<typeof record>[], hosts: string[]): string =>
    buildExemptionRequest({
      records,
      hosts: hosts.map(hostName),
      format,
      appName: 'App',
      appVersion: '1',
      environment: {},
      wildcards: 'never',
    }).text;

  it('keeps the real chain when a later connection resumed (and so recorded no chain)', () => {
    const full = transcripts.closedAfterHandshake('bank.test');
    const resumedEvents = eventsOf(transcripts.closedAfterHandshake('bank.test')).map((e): NewEvent =>
      e.kind === 'upstream-tls' ? { ...e, chain: [], resumed: true } : e,
    );
    const resumed = record('bank.test', resumedEvents, { startedAt: full.startedAt + 5000 });
    // The same client worked elsewhere, so the pin is likely and the host is requested (docs/judgement.md, L1a).
    const accepted = transcripts.ok('api.bank.test', JA4_APP);
    const csv = exportOf('report-csv', [accepted, full, resumed], ['bank.test']);
    assert.match(csv, /sha256\/r3alPinBase64/, csv);
    const markdown = exportOf('report-md', [accepted, full, resumed], ['bank.test']);
    assert.match(markdown, /Real server certificate chain[\s\S]*sha256\/r3alPinBase64/);
  });

  it('never groups by an invalid SNI, and escapes control characters in report-md, CSV and run --report', () => {
    const hostileSni = '\u001b]0;PWNED\u0007\u001b[2J\u0000.evil';
    const events = eventsOf(transcripts.closedAfterHandshake('ok.test')).map((e): NewEvent => {
      if (e.kind === 'client-hello') return { ...e, hello: hello(hostileSni, JA4_APP) };
      if (e.kind === 'upstream-tls') return { ...e, chain: [{ ...realCertificate, subject: 'CN=\u001b]0;PWNED\u0007\u0000' }] };
      return e;
    });
    const hostile = record('ok.test', events);
    const hosts = summariseHosts(judgeAll([hostile]));
    assert.deepEqual(
      hosts.map((h) => h.host),
      ['ok.test'],
    );
    for (const format of ['report-md', 'report-csv']) {
      const text = exportOf(format, [hostile], ['ok.test']);
      assert.match(text, /ok\.test/);
      assert.doesNotMatch(text, RAW_CONTROL, `${format} carries raw control characters`);
    }
    const [first] = hosts;
    assert.ok(first);
    const summary = renderSummaryMarkdown([{ ...first, host: hostName('x\u001b[2J\u0000'), evidence: ['e\u0007'] }], {
      command: 'curl \u001b]0;x\u0007',
    });
    assert.doesNotMatch(summary, RAW_CONTROL);
  });

  it("computes JA4's ALPN characters as the spec says (hex nibbles for non-alphanumeric values), on both read paths", async () => {
    for (const [alpn, expected] of [
      ['=\u2026)', '39'],
      ['h2', 'h2'],
      ['http/1.1', 'h1'],
      ['a-', '6d'],
    ] as const) {
      const raw = await captureClientHello({ servername: 'ja4.example.test', ALPNProtocols: [alpn] });
      const framed = await readClientHello(Readable.from([]), raw);
      // Fed in small pieces, the hello is read by the library's stream reader instead.
      const pieces = Array.from({ length: Math.ceil(raw.length / 7) }, (_, i) => raw.subarray(i * 7, i * 7 + 7));
      const streamed = await readClientHello(Readable.from(pieces, { objectMode: false }), pieces[0]);
      assert.equal(framed.ja4.slice(8, 10), expected, `framed ${JSON.stringify(alpn)}: ${framed.ja4}`);
      assert.equal(streamed.ja4.slice(8, 10), expected, `streamed ${JSON.stringify(alpn)}: ${streamed.ja4}`);
    }
  });
});

describe('Unicode bidi controls in outputs', () => {
  const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f'];

  it('escapes Unicode bidi controls in terminal, Markdown and annotation output', () => {
    const host = `evil${BIDI.join('')}.example.com`;
    for (const shown of [terminalSafe(host), markdownText(host), escapeData(host), escapeProperty(host)]) {
      for (const control of BIDI)
        assert.ok(!shown.includes(control), `U+${control.charCodeAt(0).toString(16)} in ${JSON.stringify(shown)}`);
      assert.match(shown, /\\u202e/);
    }
  });
});
