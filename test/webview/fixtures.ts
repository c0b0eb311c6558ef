/** Recorded connections for the webview tests: judged by the real core, turned into the protocol's rows and details. */
import { judgeAll } from '../../src/core/diagnosis/hostSummary';
import { toConnectionDetail, toConnectionRow } from '../../src/core/report/inspectorRows';
import type { ConnectionDetail, ConnectionRow, HostMessage, ProxyState } from '../../src/shared/protocol';
import { JA4_APP, transcripts } from '../support/transcripts';

export const HOSTILE = '<img src=x onerror="window.__pwned=true">.evil.test';

export const state: ProxyState = {
  running: true,
  url: 'http://127.0.0.1:8899',
  headline: '3 hosts break under inspection; 2 likely pin',
  dropped: 0,
  kept: 10_000,
};

function recorded() {
  return judgeAll([
    transcripts.ok('api.example.com', JA4_APP),
    transcripts.ok('cdn.example.com', JA4_APP),
    transcripts.closedAfterHandshake('pinned.bank.test', JA4_APP),
    transcripts.closedAfterHandshake('pinned.bank.test', JA4_APP),
    transcripts.alert('telemetry.vendor.test', 'certificate_unknown', JA4_APP),
    transcripts.notTls('ssh.example.com'),
    transcripts.upstreamFailed('gone.example.org'),
    transcripts.alert(HOSTILE, 'unknown_ca'),
  ]);
}

export interface Fixture {
  readonly message: HostMessage;
  readonly rows: ConnectionRow[];
  /** The detail of the connection to `host` (the last one recorded), as the host would push it. */
  readonly detailOf: (host: string) => { row: ConnectionRow; detail: ConnectionDetail };
}

export function fixture(): Fixture {
  const judged = recorded();
  const rows = judged.map(({ record, verdict }) => toConnectionRow(record, verdict));
  return {
    message: { type: 'reset', rows, state },
    rows,
    detailOf: (host) => {
      const index = judged.map((j): string => j.record.host).lastIndexOf(host);
      const j = judged[index];
      const row = rows[index];
      if (!j || !row) throw new Error(`no recorded connection to ${host}`);
      return { row, detail: toConnectionDetail(j.record, j.verdict) };
    },
  };
}
