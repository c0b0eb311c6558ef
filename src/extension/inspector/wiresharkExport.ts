/**
 * "Open in Wireshark…" without VS Code: the chosen connections' captured legs as one pcapng (TLS
 * secrets inside, so both legs open decrypted), written owner-only, and where Wireshark is installed.
 * The panel adds the save dialog and the notices; the webview tests call this as the panel does.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CapturedConnection } from '../../core/report/capturedTraffic';
import { pcapng, type PcapngConnection } from '../../core/report/pcapng';
import { writeOwnerOnly } from '../../core/report/recordingFile';
import type { SessionView } from '../../core/diagnosis/sessionView';
import { targetHost, type ConnectionRecord } from '../../core/timeline';

/** A connection's captured legs, or why there are none (words for the user). */
export type CaptureLookup = (record: ConnectionRecord) => CapturedConnection | string;

export interface CaptureExport {
  /** The captured ones, ready for `pcapng`. */
  readonly connections: readonly PcapngConnection[];
  /** The reason for each chosen connection without a capture, counted (the most frequent first). */
  readonly missing: readonly { readonly why: string; readonly count: number }[];
}

/** The chosen connections' captures; ids the session no longer keeps count as "no longer kept". */
export function capturesOf(session: SessionView, ids: readonly number[], lookup: CaptureLookup): CaptureExport {
  const connections: PcapngConnection[] = [];
  const missing = new Map<string, number>();
  for (const id of new Set(ids)) {
    const record = session.record(id);
    const capture = record ? lookup(record) : 'The connection is no longer kept.';
    if (typeof capture === 'string') missing.set(capture, (missing.get(capture) ?? 0) + 1);
    else if (record) connections.push({ id, target: `${targetHost(record)}:${record.port}`, capture });
  }
  connections.sort((a, b) => a.id - b.id);
  return { connections, missing: [...missing].map(([why, count]) => ({ why, count })).sort((a, b) => b.count - a.count) };
}

/** Writes the pcapng, owner-only (it holds TLS secrets); an error names the file. */
export function writePcapng(path: string, connections: readonly PcapngConnection[]): void {
  writeOwnerOnly(path, pcapng(connections));
}

/** Wireshark's program: on PATH, else where its installers put it; undefined when not installed. */
export function findWireshark(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const names = platform === 'win32' ? ['Wireshark.exe'] : platform === 'darwin' ? ['wireshark', 'Wireshark'] : ['wireshark'];
  const dirs = (env['PATH'] ?? env['Path'] ?? '').split(delimiter).filter(Boolean);
  if (platform === 'darwin') dirs.push('/Applications/Wireshark.app/Contents/MacOS');
  if (platform === 'win32') dirs.push(join(env['ProgramFiles'] ?? 'C:\\Program Files', 'Wireshark'));
  for (const dir of dirs) {
    for (const name of names) {
      const path = join(dir, name);
      try {
        accessSync(path, platform === 'win32' ? constants.F_OK : constants.X_OK);
        return path;
      } catch {
        // Not here.
      }
    }
  }
  return undefined;
}
