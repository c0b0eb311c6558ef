/**
 * An attribution that answers after its connection was judged: the record is announced with the process
 * "not identified within …", then updated when the answer comes, judged again with it and announced again
 * as an update; the CLI's update line carries the new client and verdict, and a recording with that line
 * reads back with the client it names. The answer's timing is in the test's hands (a promise it settles),
 * so nothing here depends on the clock.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updateLine } from '../../../src/cli/liveProxy';
import { readRecordedConnections } from '../../../src/core/exemptions/recordedConnections';
import type { ConnectionClient } from '../../../src/core/record/client';
import { ConnectionStore } from '../../../src/core/connectionStore';
import { Session, type JudgedNotice } from '../../../src/core/session';
import type { NewEvent } from '../../../src/core/timeline';
import type { TimelineEvent } from '../../../src/shared/timelineEvents';
import { transcripts } from '../../support/transcripts';
import { hostName } from '../../../src/core/hostNames';

const CURL: ConnectionClient = {
  process: {
    kind: 'local',
    label: 'pinscope run › curl',
    pid: 4242,
    startTime: '777',
    name: 'curl',
    path: '/usr/bin/curl',
    command: 'curl https://late.example.test/',
    app: 'pinscope run',
  },
  trust: {
    runtime: 'curl',
    runtimeLabel: 'curl',
    trustsCa: 'no',
    gap: 'ca-not-installed',
    startedByPinscope: false,
    variables: [],
    evidence: ['curl uses the OS store, which does not include the Pinscope CA.'],
    fix: 'Trust the Pinscope CA in the OS store.',
  },
};

/** A transcript's events as the proxy records them (the recorder stamps the time and adds `closed`). */
function replayed(events: readonly TimelineEvent[]): NewEvent[] {
  return events
    .filter((event) => event.kind !== 'closed')
    .map((event) => Object.fromEntries(Object.entries(event).filter(([key]) => key !== 't')) as NewEvent);
}

function nextNotice(session: Session): Promise<JudgedNotice> {
  return new Promise((resolve) => {
    const subscription = session.onJudged.subscribe((notice) => {
      subscription.dispose();
      resolve(notice);
    });
  });
}

describe('late attribution answers', () => {
  it('update the record, re-judge it and announce it again; the update line and a recording carry the client', async () => {
    const store = new ConnectionStore(100);
    const session = new Session({ store });
    let answer: (client: ConnectionClient) => void = () => undefined;
    const client = new Promise<ConnectionClient>((resolve) => {
      answer = resolve;
    });
    const recorder = store.open(hostName('late.example.test'), 443, 'intercept');
    recorder.attribute({ located: Promise.resolve(), client, waitMs: 1, holdMs: 1 });
    // A client that rejects the forged certificate, replayed from a transcript.
    const { events } = transcripts.alert('late.example.test');
    const first = nextNotice(session);
    for (const event of replayed(events)) recorder.add(event);
    recorder.finish(0, 0);

    const judged = await first;
    assert.equal(judged.update, undefined);
    assert.equal(judged.line.process?.kind, 'unknown');
    assert.match(judged.line.process.reason ?? '', /^not identified within 1 ms .*updated when the lookup answers$/);
    assert.equal(judged.line.trust, null);

    const second = nextNotice(session);
    answer(CURL);
    const updated = await second;
    assert.equal(updated.update, true);
    assert.equal(updated.record.id, judged.record.id);
    assert.deepEqual(updated.record.client, CURL);
    assert.equal(updated.line.process?.name, 'curl');
    assert.equal(updated.line.cause, 'ca-not-installed', 'judged again with its trust: a setup gap, not a pin');
    assert.equal(
      session.verdictOf(judged.record.id),
      updated.verdict,
      'the kept verdict is the new one (recordings and the inspector read it)',
    );

    const line = updateLine(updated.line);
    assert.deepEqual(Object.keys(line).slice(0, 4), ['type', 'id', 'process', 'trust']);
    const recording = [JSON.stringify({ type: 'proxy' }), JSON.stringify(judged.line), JSON.stringify(line)].join('\n');
    const { records, skipped } = readRecordedConnections(recording);
    assert.deepEqual(skipped, []);
    assert.equal(records.length, 1);
    const [read] = records;
    assert.equal(read?.client?.process.name, 'curl');
    assert.equal(read.client.trust?.gap, 'ca-not-installed');
  });

  it('a client known before the wait is over is judged once, with it', async () => {
    const store = new ConnectionStore(100);
    const session = new Session({ store });
    const recorder = store.open(hostName('prompt.example.test'), 443, 'intercept');
    recorder.attribute({ located: Promise.resolve(), client: Promise.resolve(CURL), waitMs: 60_000, holdMs: 1 });
    const notices: JudgedNotice[] = [];
    session.onJudged.subscribe((notice) => notices.push(notice));
    const first = nextNotice(session);
    for (const event of replayed(transcripts.alert('prompt.example.test').events)) recorder.add(event);
    recorder.finish(0, 0);
    const judged = await first;
    assert.equal(judged.line.process?.name, 'curl');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(notices.length, 1);
  });
});
