/**
 * A recorded line keeps the known shape of a record only (issue 28): fields a recording adds at any level
 * (the line, an event, the ClientHello, a certificate, the inspection path, the process, its trust) are
 * dropped on read, a 10,000-deep value in one of them is dropped without being walked, and a known field
 * of the wrong kind is named. What reaches the inspector is then only what its types say.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecordedConnections } from '../../../src/core/exemptions/recordedConnections';
import { judgeConnection, noEvidence } from '../../../src/core/diagnosis/judgement';
import { toConnectionLine } from '../../../src/core/report/connectionReport';
import { Recording } from '../../../src/core/recording';
import type { ConnectionRecord } from '../../../src/core/timeline';
import type { TimelineEvent } from '../../../src/shared/timelineEvents';
import { transcripts } from '../../support/transcripts';

const DEPTH = 10_000;
const DEEP = '__deep__';

/** A record with every nested object a line can hold: hello, chain, SANs, inspection path, process, trust. */
function richRecord(): ConnectionRecord {
  const base = transcripts.closedAfterHandshake('rich.example.com');
  const events = base.events.map((event): TimelineEvent =>
    event.kind === 'forged-certificate'
      ? {
          ...event,
          sans: ['DNS:rich.example.com'],
          validFrom: '2026-01-01T00:00:00.000Z',
          validTo: '2027-01-01T00:00:00.000Z',
          path: { profile: 'zscaler', chainLength: 2, tlsVersions: ['TLSv1.2', 'TLSv1.3'], alpnWithheld: ['h2'] },
        }
      : event.kind === 'upstream-tls'
        ? { ...event, chain: event.chain.map((c) => ({ ...c, sans: ['DNS:rich.example.com'], sansOmitted: 3 })), resumed: true }
        : event,
  );
  return {
    ...base,
    events,
    client: {
      process: {
        kind: 'local',
        label: 'bash › curl',
        pid: 4242,
        startTime: '123',
        name: 'curl',
        path: '/usr/bin/curl',
        command: 'curl https://rich.example.com',
        app: null,
      },
      trust: {
        runtime: 'curl',
        runtimeLabel: 'curl',
        trustsCa: 'no',
        gap: 'ca-not-installed',
        startedByPinscope: false,
        variables: [{ name: 'CURL_CA_BUNDLE', set: true, includesCa: false }],
        evidence: ['uses the OS store'],
        fix: 'Trust the CA.',
      },
    },
  };
}

/** Adds an unknown field to every object of the JSON value, at every level; the top one gets a deep value too. */
function withUnknownFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withUnknownFields);
  if (typeof value !== 'object' || value === null) return value;
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknownFields(v)]));
  return { ...copy, 'x-unknown': { note: 'added by a hostile recording', deep: DEEP }, constructor: { prototype: { polluted: true } } };
}

const deepValue = `${'{"a":['.repeat(DEPTH)}1${']}'.repeat(DEPTH)}`;

describe('recorded lines keep the known shape only', () => {
  const record = richRecord();
  const clean = JSON.stringify(toConnectionLine(record, judgeConnection(record, noEvidence())));
  // Three of the unknown fields (the line's, and two inside it) hold the deep value: the line stays under 1 MB.
  let deepOnes = 0;
  const hostile = JSON.stringify(withUnknownFields(JSON.parse(clean))).replaceAll(`"${DEEP}"`, () =>
    deepOnes++ % 8 === 0 && deepOnes < 20 ? deepValue : '[[["small"]]]',
  );

  it('drops unknown fields at every level, and a 10,000-deep value in one of them, and keeps every known field', () => {
    assert.ok(hostile.length > clean.length + DEPTH * 10 * 2, 'the hostile line holds the deep values');
    const read = readRecordedConnections(`${hostile}\n`);
    assert.deepEqual(read.skipped, []);
    const [got] = read.records;
    assert.ok(got);
    assert.deepEqual(got.events, record.events, 'every event keeps its known fields, and only those');
    assert.deepEqual(got.client, record.client, 'the process and its trust keep their known fields, and only those');
    assert.deepEqual(readRecordedConnections(clean).records, read.records, 'the hostile line reads as the clean one');
    const text = JSON.stringify(read.records);
    assert.ok(!text.includes('x-unknown') && !text.includes('polluted'), text.slice(0, 400));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it("judges and shows the hostile line as the clean one (what the inspector is given has the types' shape)", () => {
    const fromHostile = Recording.read(`${hostile}\n`);
    const fromClean = Recording.read(`${clean}\n`);
    assert.deepEqual(fromHostile.records(), fromClean.records());
    assert.deepEqual(fromHostile.hosts(), fromClean.hosts());
  });

  it('leaves out events of a kind it does not know, and names a known field of the wrong kind', () => {
    const line = JSON.parse(clean) as { events: Record<string, unknown>[] };
    const future = {
      ...line,
      events: [...line.events.slice(0, -1), { t: 5, kind: 'from-a-newer-version', data: [1, 2] }, ...line.events.slice(-1)],
    };
    assert.deepEqual(readRecordedConnections(JSON.stringify(future)).records[0]?.events, record.events);
    const wrong = { ...line, events: line.events.map((e) => (e['kind'] === 'accepted' ? { ...e, remote: [[['127.0.0.1']]] } : e)) };
    assert.deepEqual(readRecordedConnections(JSON.stringify(wrong)).skipped, [
      'line 1: an accepted event whose remote is not what a recording holds',
    ]);
    const hello = {
      ...line,
      events: line.events.map((e) =>
        e['kind'] === 'client-hello' ? { ...e, hello: { ...(e['hello'] as object), cipherSuites: ['x'] } } : e,
      ),
    };
    assert.deepEqual(readRecordedConnections(JSON.stringify(hello)).skipped, [
      'line 1: a client-hello event whose hello.cipherSuites.0 is not what a recording holds',
    ]);
  });
});
