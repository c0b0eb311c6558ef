/** `pinscope export --format pcapng`: a recording's captured legs as one pcapng file, TLS secrets inside. */
import { readFile } from 'node:fs/promises';
import { pcapng } from '../core/report/pcapng';
import { recordedCaptures } from '../core/report/recordedCaptures';
import { terminalSafe } from '../core/report/connectionReport';
import { writeOwnerOnly } from '../core/report/recordingFile';
import { UsageError } from './usage';

export interface PcapngExportOptions {
  readonly from: string | undefined;
  readonly hosts: readonly string[];
  readonly connections: readonly string[];
  readonly out: string | undefined;
}

export async function exportPcapng(options: PcapngExportOptions): Promise<number> {
  if (!options.from) throw new UsageError('--from EVENTS.jsonl is required (written by pinscope proxy --events FILE)');
  if (!options.out) throw new UsageError('--out FILE.pcapng is required for --format pcapng (a binary file)');
  const ids = options.connections.map((raw) => {
    if (!/^\d{1,9}$/.test(raw))
      throw new UsageError(`--connection ${JSON.stringify(raw.slice(0, 40))} is not a connection id (a number from the recording)`);
    return Number(raw);
  });
  let text: string;
  try {
    text = await readFile(options.from, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --from ${options.from}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const found = recordedCaptures(text, { hosts: options.hosts, ids });
  for (const reason of found.skipped)
    process.stderr.write(`pinscope export: skipped ${terminalSafe(options.from)} ${terminalSafe(reason)}\n`);
  if (found.withoutCapture > 0)
    process.stderr.write(
      `pinscope export: ${found.withoutCapture} connection(s) have no captured bytes (tunnelled, recorded with --capture-bytes 0, a repeat of a connection its client had accepted, or one of a burst while two like it were captured: only the first are captured)\n`,
    );
  if (found.connections.length === 0) {
    process.stderr.write('pinscope export: no captured connection matches; nothing written\n');
    return 1;
  }
  try {
    // Owner-only: the file holds TLS secrets.
    writeOwnerOnly(options.out, pcapng(found.connections));
  } catch (error) {
    throw new UsageError(`cannot write --out ${options.out}: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.stderr.write(
    `pinscope export: ${found.connections.length} connection(s) written to ${terminalSafe(options.out)} (TLS secrets embedded: open it in Wireshark as is)\n`,
  );
  return 0;
}
