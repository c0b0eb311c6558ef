/** A proxy in front of a local origin, with every connection's timeline collected. */
import { join } from 'node:path';
import { Session, type JudgedNotice, type Listening, type ProxySettings, type SessionOptions } from '../../src/core/session';
import { startOrigin, type Origin } from './origin';
import { waitFor } from './clients';
import { temporaryDirectory } from './temporaryDirectories';

export interface Harness {
  readonly session: Session;
  /** Where the session's proxy listens. */
  readonly proxy: Listening;
  readonly origin: Origin;
  readonly proxyUrl: string;
  readonly proxyPort: number;
  readonly caFile: string;
  readonly judged: JudgedNotice[];
  /** Waits for the finished connection to `host` (SNI or CONNECT host) numbered `index` (0 = first). */
  connection(host: string, index?: number): Promise<JudgedNotice>;
  close(): Promise<void>;
}

/** Options of the session (`maxConnectionsKept`, `confirmation`, `onError`) and of its proxy. */
export type HarnessOptions = Partial<ProxySettings> & Omit<SessionOptions, 'store'>;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const origin = await startOrigin();
  const caDir = join(temporaryDirectory('harness'), 'ca');
  const { maxConnectionsKept, confirmation, onError, ...settings } = options;
  const session = new Session({
    ...(maxConnectionsKept !== undefined ? { maxConnectionsKept } : {}),
    ...(confirmation ? { confirmation } : {}),
    ...(onError ? { onError } : {}),
  });
  const proxy = await session.start({
    caDir,
    upstreamCaFiles: [origin.caFile],
    hostOverrides: [
      `*.example.test=127.0.0.1:${origin.port}`,
      `example.test=127.0.0.1:${origin.port}`,
      `greeting.example.test=127.0.0.1:${origin.greetingPort}`,
      `big-greeting.example.test=127.0.0.1:${origin.greetingPort}`,
    ],
    handshakeTimeoutMs: 3000,
    ...settings,
  });
  const judged: JudgedNotice[] = [];
  // A connection judged again (its process became known late) replaces its first notice, in place.
  session.onJudged.subscribe((notice) => {
    const at = notice.update ? judged.findIndex((known) => known.record.id === notice.record.id) : -1;
    if (at >= 0) judged[at] = notice;
    else judged.push(notice);
  });
  return {
    session,
    proxy,
    origin,
    judged,
    proxyUrl: proxy.url,
    proxyPort: proxy.port,
    caFile: proxy.ca.certPath,
    // The record with its process: one announced before its lookup answered is awaited until it is updated.
    connection: (host, index = 0) =>
      waitFor(
        () => {
          const notice = judged.filter((j) => j.line.host === host || j.line.sni === host)[index];
          return notice && !awaitingProcess(notice) ? notice : undefined;
        },
        30_000,
        `connection ${index} to ${host}`,
      ),
    close: async () => {
      await session.stop();
      await origin.close();
    },
  };
}

/** Announced before its process lookup answered (a busy machine): an update follows. */
function awaitingProcess(notice: JudgedNotice): boolean {
  const process = notice.line.process;
  return process?.kind === 'unknown' && (process.reason ?? '').startsWith('not identified within');
}

/** The event kinds of a timeline, in order. */
export function kinds(notice: JudgedNotice): string[] {
  return notice.record.events.map((e) => e.kind);
}

/** Asserts that `expected` appears in `actual` in order (other events may come between). */
export function inOrder(actual: readonly string[], expected: readonly string[]): boolean {
  let index = 0;
  for (const kind of actual) if (kind === expected[index]) index++;
  return index === expected.length;
}
