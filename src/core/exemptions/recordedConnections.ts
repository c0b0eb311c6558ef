/** Reads the JSONL that `pinscope proxy --events` writes back into connection records. */
import type { ConnectionLine } from '../report/connectionReport';
import type { TimelineEvent } from '../../shared/timelineEvents';
import type { ConnectionRecord } from '../timeline';

export class RecordingError extends Error {
  override name = 'RecordingError';
}

function isConnectionLine(value: unknown): value is ConnectionLine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v['type'] === 'connection' && typeof v['id'] === 'number' && typeof v['host'] === 'string' && typeof v['port'] === 'number' && Array.isArray(v['events']) && typeof v['startedAt'] === 'string';
}

/** Parses the lines; other line types are skipped, a malformed line is an error naming its number. */
export function parseRecordedConnections(text: string): ConnectionRecord[] {
  const records: ConnectionRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new RecordingError(`line ${index + 1} is not JSON`);
    }
    if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type !== 'connection') return;
    if (!isConnectionLine(value)) throw new RecordingError(`line ${index + 1} is not a Pinscope connection record`);
    records.push({
      id: value.id,
      startedAt: Date.parse(value.startedAt),
      host: value.host,
      port: value.port,
      mode: value.mode,
      events: value.events.filter((e): e is TimelineEvent => typeof e === 'object' && typeof (e as { kind?: unknown }).kind === 'string' && typeof (e as { t?: unknown }).t === 'number'),
      finished: true,
    });
  });
  return records;
}
