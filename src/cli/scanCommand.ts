/** `pinscope scan`: the workspace's pin configurations, linked to a recording when one is given. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readRecordedConnections } from '../core/exemptions/recordedConnections';
import { terminalSafe } from '../core/report/connectionReport';
import { linkFindings, observedHosts, type ObservedHost } from '../core/pins/pinFindings';
import { renderScanJson, renderScanText, type ScanResult } from '../core/pins/scanReport';
import { scanWorkspace } from '../core/pins/workspaceWalker';
import { renderSarif } from '../core/report/sarif';
import { UsageError } from './usage';

export const SCAN_HELP = `Usage: pinscope scan [DIR] [--format text|json|sarif] [--events RECORDING.jsonl] [--exclude PATTERN]...
                     [--out FILE] [--fail-on stale|never]

Finds the code that pins certificates in DIR (default: the current folder): Android network security
config, OkHttp CertificatePinner, iOS NSPinnedDomains, TrustKit, Alamofire, Flutter and React Native
pinning packages, and custom validation in Node, Go, .NET, Java and Python. .gitignore files are
respected; --exclude adds patterns in the same syntax.

With --events (the JSONL of 'pinscope proxy --events' or 'pinscope run --events'), each finding carries
what the proxy saw for its hosts, and pins that match none of the certificates the real server serves
now are reported as stale (exit status 3 unless --fail-on never).

Options:
  --format FORMAT      text (default), json, or sarif (SARIF 2.1.0 for code scanning)
  --events FILE        a recording to link the findings with
  --exclude PATTERN    skip files or folders (gitignore syntax); repeatable
  --out FILE           write the report to FILE instead of standard output
  --fail-on POLICY     stale (default): exit 3 when a pin is stale; never
  -h, --help           show this help
`;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
export const EXIT_STALE = 3;

async function readObservations(path: string): Promise<ObservedHost[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --events ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const recorded = readRecordedConnections(text);
  for (const line of recorded.skipped) process.stderr.write(`pinscope scan: skipped ${terminalSafe(path)} ${terminalSafe(line)}\n`);
  return observedHosts(recorded.records);
}

export async function scanCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      format: { type: 'string' },
      events: { type: 'string' },
      exclude: { type: 'string', multiple: true },
      out: { type: 'string' },
      'fail-on': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(SCAN_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`scan takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = (values.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format expects one of ${FORMATS.join(', ')}, got "${values.format ?? ''}"`);
  const failOn = values['fail-on'] ?? 'stale';
  if (failOn !== 'stale' && failOn !== 'never') throw new UsageError(`--fail-on expects stale or never, got "${failOn}"`);
  const root = resolve(positionals[0] ?? '.');
  const isFolder = await stat(root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new UsageError(`${root} is not a folder`);
  const observed = values.events ? await readObservations(values.events) : [];
  const scan = await scanWorkspace(root, { exclude: values.exclude ?? [] });
  const result: ScanResult = {
    root,
    findings: linkFindings(scan.configurations, observed),
    problems: scan.problems,
    filesScanned: scan.filesScanned,
    withObservations: values.events !== undefined,
  };
  const output =
    format === 'json'
      ? renderScanJson(result)
      : format === 'sarif'
        ? renderSarif(result, process.env['npm_package_version'] ?? '0.1.0')
        : renderScanText(result);
  if (values.out) {
    await writeFile(values.out, output);
  } else {
    process.stdout.write(output);
  }
  return failOn === 'stale' && result.findings.some((f) => f.stale.some((s) => s.certain)) ? EXIT_STALE : 0;
}
