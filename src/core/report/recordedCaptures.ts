/**
 * The captures in a recording (the `capture` field of its connection lines), chosen by host or by
 * connection id, for `pinscope export --format pcapng`. Lines are untrusted: a line that is not JSON or
 * whose capture is malformed is skipped and said so, never trusted.
 */
import { captureFromJson, captureToJson, type CaptureJson } from './capturedTraffic';
import type { PcapngConnection } from './pcapng';
import { targetHost, type ConnectionRecord } from '../timeline';
import { findEvent } from '../../shared/timelineEvents';
import { hostName } from '../hostNames';

export interface CaptureSelection {
  /** Host names (CONNECT host or SNI, any case); empty: every host. */
  readonly hosts: readonly string[];
  /** Connection ids; empty: every connection. */
  readonly ids: readonly number[];
}

export interface RecordedCaptures {
  readonly connections: PcapngConnection[];
  /** Chosen connections recorded without a capture (tunnelled, with --capture-bytes 0, or a repeat the capture policy left out). */
  readonly withoutCapture: number;
  /** Why lines were skipped (line number and reason). */
  readonly skipped: string[];
}

export function recordedCaptures(text: string, selection: CaptureSelection): RecordedCaptures {
  const hosts = new Set<string>(selection.hosts.map(hostName));
  const ids = new Set(selection.ids);
  const connections: PcapngConnection[] = [];
  const skipped: string[] = [];
  let withoutCapture = 0;
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch {
      skipped.push(`line ${index + 1}: not JSON`);
      return;
    }
    if (typeof line !== 'object' || line === null || (line as { type?: unknown }).type !== 'connection') return;
    const { id, host, port, sni, capture } = line as { id?: unknown; host?: unknown; port?: unknown; sni?: unknown; capture?: unknown };
    if (typeof id !== 'number' || typeof host !== 'string' || typeof port !== 'number') {
      skipped.push(`line ${index + 1}: a connection without id, host and port`);
      return;
    }
    const names: string[] = [host, typeof sni === 'string' ? sni : ''].map(hostName);
    if (hosts.size > 0 && !names.some((name) => hosts.has(name))) return;
    if (ids.size > 0 && !ids.has(id)) return;
    if (capture === undefined) {
      withoutCapture++;
      return;
    }
    try {
      connections.push({ id, target: `${typeof sni === 'string' && sni ? sni : host}:${port}`, capture: captureFromJson(capture) });
    } catch (error) {
      skipped.push(`line ${index + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return { connections, withoutCapture, skipped };
}

/**
 * The captures a recording's text carries (its connection lines' `capture` fields), by connection id, as
 * they are stored (plain data: it crosses from the recording worker); an id the recording renumbered
 * (concatenated runs) or kept for another host is left out.
 */
export function recordingCaptures(text: string, recording: { record(id: number): ConnectionRecord | undefined }): [number, CaptureJson][] {
  const captures: [number, CaptureJson][] = [];
  for (const { id, target, capture } of recordedCaptures(text, { hosts: [], ids: [] }).connections) {
    const record = recording.record(id);
    const names = record ? [targetHost(record), record.host, findEvent(record.events, 'client-hello')?.hello.sni] : [];
    if (record && names.some((name) => name && target === `${name}:${record.port}`)) captures.push([id, captureToJson(capture)]);
  }
  return captures;
}
