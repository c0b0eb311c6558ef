/** `pinscope run -- CMD`: run a command through the proxy and judge what broke. */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { redactCommand } from '../core/process/commandRedaction';
import { failsGate, type FailOn } from '../core/report/junit';
import { BaselineError, knownGateBreaks, parseBaseline, renderBaseline, type Baseline } from '../core/report/ciBaseline';
import { parseExemptionList, type ExemptionList } from '../core/report/exemptionList';
import { terminalSafe } from '../core/report/connectionReport';
import { CA_VARIABLES } from '../core/setup/caVariables';
import { routedEnvironment } from '../core/setup/routedEnvironment';
import { renderSummaryMarkdown } from '../core/report/summaryMarkdown';
import { CI_FLAGS, writeCiReports } from './ciReports';
import { confirmByTunnelling, PROXY_FLAGS, PROXY_FLAGS_HELP, toProxyOptions } from './proxyArguments';
import { formatSummary, startLiveProxy } from './liveProxy';
import { EXIT_POLICY, UsageError } from './usage';

const RUN_HELP = `Usage: pinscope run [options] [--report FILE.md] [--fail-on pinning|breakage|never]
                    [--baseline FILE [--update-baseline]] [--exempted FILE] -- CMD [ARGS...]

Starts the proxy, runs CMD routed through it with the CA trusted (HTTP(S)_PROXY; Node through a preload
in NODE_OPTIONS, Java through JAVA_TOOL_OPTIONS, wget through WGETRC, PHP through PHP_INI_SCAN_DIR; CA
variables: ${CA_VARIABLES.map((v) => v.name).join(', ')}),
prints a per-host summary, and exits with CMD's status — or ${EXIT_POLICY} when CMD succeeded but the
--fail-on policy found pinning (default) or any breakage.

Options:
${PROXY_FLAGS_HELP}
  --report FILE.md         write a Markdown summary of every host
  --fail-on POLICY         pinning (default): fail when a host likely pins; breakage: when any host
                           breaks; never: only CMD's own status counts
  --junit FILE             write JUnit XML: a test case per host, failing per --fail-on (with
                           GITHUB_ACTIONS=true, failing hosts are also printed as ::error annotations)
  --baseline FILE          fail only on breaks that are new: not in FILE, not exempted, not in the
                           known-bypass data; known breaks are skipped JUnit cases and ::notice lines
  --update-baseline        write every host that breaks in this run to the --baseline FILE (the run
                           then fails only on CMD's own status)
  --exempted FILE          hosts already exempted: any file 'pinscope export' wrote (a vendor snippet,
                           an evidence report's requested hosts) or a list, one host a line
  -h, --help               show this help
`;

const FAIL_ON: readonly FailOn[] = ['pinning', 'breakage', 'never'];

const GATE_FLAGS = {
  baseline: { type: 'string' },
  'update-baseline': { type: 'boolean' },
  exempted: { type: 'string' },
} as const;

async function readFlagFile(flag: string, path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: unknown) => {
    throw new UsageError(`cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  });
}

/** The baseline and the approved list, read before the command runs: a bad file is a usage error, not a late surprise. */
async function readKnownBreaks(values: {
  baseline?: string | undefined;
  'update-baseline'?: boolean | undefined;
  exempted?: string | undefined;
}): Promise<{ baseline?: Baseline; exempted?: ExemptionList }> {
  if (values['update-baseline'] && !values.baseline) throw new UsageError('--update-baseline needs --baseline FILE (the file to write)');
  const known: { baseline?: Baseline; exempted?: ExemptionList } = {};
  if (values.baseline && !values['update-baseline']) {
    try {
      known.baseline = parseBaseline(await readFlagFile('--baseline', values.baseline), values.baseline);
    } catch (error) {
      if (error instanceof BaselineError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (values.exempted) known.exempted = parseExemptionList(await readFlagFile('--exempted', values.exempted));
  return known;
}

export async function runCommand(args: string[]): Promise<number> {
  const separator = args.indexOf('--');
  const own = separator >= 0 ? args.slice(0, separator) : args;
  const command = separator >= 0 ? args.slice(separator + 1) : [];
  const { values } = parseArgs({
    args: own,
    options: { ...PROXY_FLAGS, ...CI_FLAGS, ...GATE_FLAGS, report: { type: 'string' }, 'fail-on': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const failOn = (values['fail-on'] ?? 'pinning') as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new UsageError(`--fail-on expects one of ${FAIL_ON.join(', ')}, got "${values['fail-on'] ?? ''}"`);
  const [program, ...programArgs] = command;
  if (!program) throw new UsageError('pinscope run needs a command after --, e.g. pinscope run -- curl https://example.com');
  const knownBreaks = await readKnownBreaks(values);
  const gated = values.baseline !== undefined || values.exempted !== undefined;
  const options = toProxyOptions(values);
  const startedAt = new Date();
  const proxy = await startLiveProxy(options, values.events, confirmByTunnelling(values));
  // The bundled CLI runs from dist/, next to the Node preload.
  const environment = routedEnvironment(proxy.listening, __dirname, process.env);
  const status = await new Promise<number>((resolve) => {
    const child = spawn(program, programArgs, { stdio: 'inherit', env: { ...process.env, ...environment } });
    child.once('error', (error) => {
      process.stderr.write(`pinscope: cannot run ${program}: ${error.message}\n`);
      resolve(127);
    });
    // Killed by a signal: exit as a shell does, 128 + the signal's number (SIGINT 130, SIGKILL 137).
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + constants.signals[signal] : 1)));
  });
  // Let connections that the command closed at exit finish their timelines: a client's socket can be
  // closed a moment before its record is finished (the server's side closes after it).
  await waitUntil(() => proxy.listening.openConnections === 0 && proxy.session.records().every((r) => r.finished), 1000);
  const hosts = await proxy.stop();
  process.stderr.write(formatSummary(hosts));
  // Reports are shared (CI artefacts, pull requests): the command line goes through the one redaction.
  const shown = redactCommand(command);
  if (values.report) await writeFile(values.report, renderSummaryMarkdown(hosts, { command: shown }));
  if (values['update-baseline'] && values.baseline) {
    const path = values.baseline;
    await writeFile(path, renderBaseline(hosts, new Date())).catch((error: unknown) => {
      throw new UsageError(`cannot write --baseline ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    });
    process.stderr.write(
      `pinscope: wrote the baseline ${terminalSafe(path)}: ${hosts.filter((h) => h.breaks).length} host(s) that break\n`,
    );
  }
  // With --update-baseline every break of this run is known by definition.
  const known = values['update-baseline']
    ? new Map(hosts.filter((h) => failsGate(h, failOn)).map((h) => [h.host, 'written to the baseline now']))
    : gated
      ? knownGateBreaks(hosts, failOn, knownBreaks)
      : new Map<string, string>();
  for (const [host, why] of known)
    process.stderr.write(`pinscope: known break, not failing: ${terminalSafe(host)}: ${terminalSafe(why)}\n`);
  const failing = hosts.filter((h) => failsGate(h, failOn) && !known.has(h.host));
  if (gated)
    for (const host of failing)
      process.stderr.write(`pinscope: NEW break: ${terminalSafe(host.host)}:${host.port} (not in the baseline, not exempted)\n`);
  await writeCiReports(hosts, { junit: values.junit, command: shown, failOn, startedAt, ...(known.size > 0 ? { known } : {}) });
  if (status !== 0) return status;
  return failing.length > 0 ? EXIT_POLICY : 0;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
