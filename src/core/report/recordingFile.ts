/**
 * Writes a session as a recording: the same JSONL as `pinscope proxy --events` (a `proxy` line, then
 * one `connection` line per finished connection, in the order they finished), owner-only like the CLI's
 * events file — it records hosts and timings.
 */
import { closeSync, constants, fchmodSync, fstatSync, openSync, writeSync } from 'node:fs';
import { connectionTotals } from '../timeline';
import type { SessionView } from '../diagnosis/sessionView';
import { toConnectionLine } from './connectionReport';
import { withCapture, type CapturedConnection } from './capturedTraffic';

export interface RecordingHeader {
  /** The proxy's URL when it runs, null when the session is kept after a stop. */
  readonly listening: string | null;
  /** Every URL the proxy listened on while it captured these connections (a restart may have moved it). */
  readonly capturedBy?: readonly string[];
  readonly ca: string | null;
  readonly startedAt: Date;
  /** The captured legs of a connection (the optional `capture` field, for pcapng exports), when the running proxy kept them. */
  readonly captureOf?: ((id: number) => CapturedConnection | undefined) | undefined;
}

class RecordingWriteError extends Error {
  override name = 'RecordingWriteError';
}

/** The recording's text and how many connections it holds. */
export function recordingText(session: SessionView, header: RecordingHeader): { text: string; connections: number } {
  const finishedAt = (startedAt: number, events: Parameters<typeof connectionTotals>[0]): number =>
    startedAt + connectionTotals(events).durationMs;
  const judged = session
    .records()
    .flatMap((record) => {
      const verdict = record.finished ? session.verdictOf(record.id) : undefined;
      return verdict ? [{ record, verdict, end: finishedAt(record.startedAt, record) }] : [];
    })
    .sort((a, b) => a.end - b.end);
  const lines = [
    JSON.stringify({
      type: 'proxy',
      listening: header.listening,
      ...(header.capturedBy ? { capturedBy: header.capturedBy } : {}),
      ca: header.ca,
      startedAt: header.startedAt.toISOString(),
    }),
    ...judged.map(({ record, verdict }) => JSON.stringify(withCapture(toConnectionLine(record, verdict), header.captureOf?.(record.id)))),
  ];
  return { text: `${lines.join('\n')}\n`, connections: judged.length };
}

/** Writes the text to `path`, created or truncated owner-only (0600); refuses a symbolic link or a non-file. */
export function writeOwnerOnly(path: string, text: string | Buffer): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RecordingWriteError(`${path}: ${code === 'ELOOP' ? 'is a symbolic link: refused' : `cannot be written (${code})`}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new RecordingWriteError(`${path}: not a regular file`);
    if (process.platform !== 'win32') fchmodSync(fd, 0o600);
    if (typeof text === 'string') writeSync(fd, text);
    else writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
