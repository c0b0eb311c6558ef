/** `pinscope export`: recorded events → an exemption request in a vendor's format, or an evidence report. */
import { readFile, writeFile } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveAppIdentity } from '../core/exemptions/appIdentity';
import { attributedAppName } from '../core/exemptions/attributedApp';
import { buildExemptionRequest, exportFormatIds, REPORT_FORMATS } from '../core/exemptions/exemptionRequest';
import { readRecordedConnections } from '../core/exemptions/recordedConnections';
import { findVendorFormat, VENDOR_FORMATS } from '../core/exemptions/vendors/registry';
import { normaliseExemptionHost } from '../core/exemptions/hostEntries';
import { terminalSafe } from '../core/report/connectionReport';
import { UsageError } from './usage';
import { exportPcapng } from './pcapngExport';

export const EXPORT_HELP = `Usage: pinscope export --from EVENTS.jsonl --format NAME [--host H]... [--app NAME] [--app-version V]
                       [--vendor NAME] [--no-wildcards] [--include-possible] [--workspace DIR] [--out FILE]

Turns the JSONL that 'pinscope proxy --events' wrote into an exemption request: a snippet for the
security team's product, or an evidence report. Only hosts with evidence are requested: pinning likely,
or confirmed by tunnelling. Hosts where pinning is only possible go to the report's "verify first"
section; --include-possible requests them too. Hosts that work are never requested. Without --host,
every host with evidence is included. The app's name comes from --app, else from the workspace
(--workspace, default the current folder): Android applicationId, iOS bundle id, package.json name.
'--format list' prints the format names.

Formats:
${[...VENDOR_FORMATS, ...REPORT_FORMATS].map((f) => `  ${f.id.padEnd(22)} ${f.title}`).join('\n')}
  ${'pcapng'.padEnd(22)} the captured handshakes of both legs, TLS secrets embedded, for Wireshark
                         (--out FILE required; --host H and --connection ID choose; see --capture-bytes)
`;

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' }, format: { type: 'string' }, host: { type: 'string', multiple: true }, app: { type: 'string' },
      'app-version': { type: 'string' }, vendor: { type: 'string' }, 'no-wildcards': { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      'include-possible': { type: 'boolean' }, workspace: { type: 'string' }, connection: { type: 'string', multiple: true },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  if (values.format === 'list') {
    process.stdout.write(`${exportFormatIds().join('\n')}\n`);
    return 0;
  }
  if (values.format === 'pcapng') return exportPcapng({ from: values.from, hosts: values.host ?? [], connections: values.connection ?? [], out: values.out });
  if (!values.format) throw new UsageError(`--format is required; one of ${exportFormatIds().join(', ')}`);
  if (!exportFormatIds().includes(values.format)) throw new UsageError(`--format "${values.format}" is unknown; one of ${exportFormatIds().join(', ')}`);
  if (values.vendor !== undefined && !findVendorFormat(values.vendor)) throw new UsageError(`--vendor "${values.vendor}" is unknown; one of ${VENDOR_FORMATS.map((f) => f.id).join(', ')}`);
  for (const host of values.host ?? []) {
    const checked = normaliseExemptionHost(host);
    if ('reason' in checked) throw new UsageError(`--host ${JSON.stringify(host.slice(0, 100))} cannot be exempted: ${checked.reason}`);
  }
  if (!values.from) throw new UsageError('--from EVENTS.jsonl is required (written by pinscope proxy --events FILE)');
  let text: string;
  try {
    text = await readFile(values.from, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --from ${values.from}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const recorded = readRecordedConnections(text);
  // The process the breaking connections came from names the app, unless --app does (or a workspace
  // was named explicitly and the recording has no process).
  const app = await resolveAppIdentity({ override: values.app, attributedProcess: attributedAppName(recorded.records, values.host ?? []), workspace: values.workspace ?? process.cwd() });
  for (const line of recorded.skipped) process.stderr.write(`pinscope export: skipped ${values.from} ${terminalSafe(line)}\n`);
  const request = buildExemptionRequest({
    records: recorded.records,
    hosts: values.host ?? [],
    format: values.format,
    ...(values.vendor ? { vendor: values.vendor } : {}),
    appName: app.name,
    appVersion: values['app-version'] ?? app.version,
    includePossible: values['include-possible'] ?? false,
    environment: { 'Pinscope CLI': 'pinscope export', OS: `${platform()} ${release()} ${arch()}`, 'Node.js': process.version },
    wildcards: values['no-wildcards'] ? 'never' : 'auto',
  });
  for (const warning of request.warnings) process.stderr.write(`pinscope export: ${terminalSafe(warning)}\n`);
  if (values.out) {
    const out = values.out;
    await writeFile(out, request.text).catch((error: unknown) => {
      throw new UsageError(`cannot write --out ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    });
  } else {
    process.stdout.write(request.text);
  }
  return 0;
}
