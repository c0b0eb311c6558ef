/** `pinscope export`: recorded events → an exemption request in a vendor's format, or an evidence report. */
import { writeFile } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveAppIdentity } from '../core/io/appIdentity';
import { attributedAppName } from '../core/exemptions/attributedApp';
import { buildExemptionRequest, exportFormatIds, REPORT_FORMATS } from '../core/exemptions/exemptionRequest';
import { readMergedRecordings } from './recordingArguments';
import { findVendorFormat, VENDOR_FORMATS } from '../core/exemptions/vendors/registry';
import { normaliseExemptionHost } from '../core/exemptions/hostEntries';
import { terminalSafe } from '../core/report/connectionReport';
import { hostName } from '../core/hostNames';
import { UsageError } from './usage';
import { exportPcapng } from './pcapngExport';

export const EXPORT_HELP = `Usage: pinscope export --from EVENTS.jsonl [--from MORE|FOLDER|-]... --format NAME [--host H]... [--app NAME]
                       [--app-version V] [--vendor NAME] [--widen] [--include-possible] [--include-own-store]
                       [--workspace DIR] [--out FILE]

Turns the JSONL that 'pinscope proxy --events' wrote into an exemption request: a snippet for the
security team's product, or an evidence report. Only hosts with evidence are requested: pinning likely,
or confirmed by tunnelling. Hosts where pinning is only possible go to the report's "verify first"
section; --include-possible requests them too. Hosts whose app brings its own trust store break under
real inspection on every managed machine: they have a section of their own, and --include-own-store
requests them too. Every other host that broke is listed as not requested, with its cause and fix.
Hosts that work are never requested. Without --host, every host with evidence is included.
Each host is requested exactly, no wider than the evidence. --widen makes several hosts under one
registrable domain a single entry for that domain and every subdomain of it, hosts never seen
included (never for IP addresses or broad shared domains such as amazonaws.com); the report says so.
The app's name comes from --app, else from the workspace (--workspace, default the current folder):
Android applicationId, iOS bundle id, package.json name; else the app the connections came from (never
a generic tool such as curl, python3 or node).
'--format list' prints the format names.
--from may be given several times (files, folders holding *.pinscope.jsonl, '-' for standard input):
the runs are merged per host, the strongest evidence wins, and the reports list every run and the
app's inventory (every host contacted, with its status).

Formats:
${[...VENDOR_FORMATS, ...REPORT_FORMATS].map((f) => `  ${f.id.padEnd(22)} ${f.title}`).join('\n')}
  ${'pcapng'.padEnd(22)} the captured handshakes of both legs, TLS secrets embedded, for Wireshark
                         (--out FILE required; --host H and --connection ID choose; see --capture-bytes)
`;

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string', multiple: true },
      format: { type: 'string' },
      host: { type: 'string', multiple: true },
      app: { type: 'string' },
      'app-version': { type: 'string' },
      vendor: { type: 'string' },
      'no-wildcards': { type: 'boolean' },
      widen: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'include-possible': { type: 'boolean' },
      'include-own-store': { type: 'boolean' },
      workspace: { type: 'string' },
      connection: { type: 'string', multiple: true },
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
  if (values.format === 'pcapng' && (values.from?.length ?? 0) > 1)
    throw new UsageError('--format pcapng reads one recording: give one --from');
  if (values.format === 'pcapng')
    return exportPcapng({ from: values.from?.[0], hosts: values.host ?? [], connections: values.connection ?? [], out: values.out });
  if (!values.format) throw new UsageError(`--format is required; one of ${exportFormatIds().join(', ')}`);
  if (!exportFormatIds().includes(values.format))
    throw new UsageError(`--format "${values.format}" is unknown; one of ${exportFormatIds().join(', ')}`);
  // --no-wildcards was the way to ask for exact hosts; they are the default now, and the flag still says so.
  if (values.widen && values['no-wildcards'])
    throw new UsageError('--widen and --no-wildcards contradict each other: exact hosts are the default, --widen widens');
  if (values.vendor !== undefined && !findVendorFormat(values.vendor))
    throw new UsageError(`--vendor "${values.vendor}" is unknown; one of ${VENDOR_FORMATS.map((f) => f.id).join(', ')}`);
  for (const host of values.host ?? []) {
    const checked = normaliseExemptionHost(host);
    if ('reason' in checked) throw new UsageError(`--host ${JSON.stringify(host.slice(0, 100))} cannot be exempted: ${checked.reason}`);
  }
  const { merged, records } = await readMergedRecordings('export', values.from ?? []);
  // --app, else the workspace's own identity, else the app attribution saw (never a generic tool).
  const app = await resolveAppIdentity({
    override: values.app,
    attributedProcess: attributedAppName(records, values.host ?? []),
    workspace: values.workspace ?? process.cwd(),
  });
  const request = buildExemptionRequest({
    merged,
    hosts: (values.host ?? []).map(hostName),
    format: values.format,
    ...(values.vendor ? { vendor: values.vendor } : {}),
    appName: app.name,
    appVersion: values['app-version'] ?? app.version,
    includePossible: values['include-possible'] ?? false,
    includeOwnStore: values['include-own-store'] ?? false,
    environment: { 'Pinscope CLI': 'pinscope export', OS: `${platform()} ${release()} ${arch()}`, 'Node.js': process.version },
    wildcards: values.widen ? 'widen' : 'never',
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
