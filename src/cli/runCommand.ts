/** `pinscope run -- CMD`: run a command through the proxy and judge what broke. */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { redactCommand } from '../core/process/commandRedaction';
import { failsGate, type FailOn } from '../core/report/junit';
import { CA_VARIABLES } from '../core/setup/caVariables';
import { routedEnvironment } from '../core/setup/routedEnvironment';
import { renderSummaryMarkdown } from '../core/report/summaryMarkdown';
import { CI_FLAGS, writeCiReports } from './ciReports';
import { PROXY_FLAGS, PROXY_FLAGS_HELP, toProxyOptions } from './proxyArguments';
import { formatSummary, startCliSession } from './session';
import { EXIT_POLICY, UsageError } from './usage';

const RUN_HELP = `Usage: pinscope run [options] [--report FILE.md] [--fail-on pinning|breakage|never] -- CMD [ARGS...]

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
  -h, --help               show this help
`;

const FAIL_ON: readonly FailOn[] = ['pinning', 'breakage', 'never'];

export async function runCommand(args: string[]): Promise<number> {
  const separator = args.indexOf('--');
  const own = separator >= 0 ? args.slice(0, separator) : args;
  const command = separator >= 0 ? args.slice(separator + 1) : [];
  const { values } = parseArgs({ args: own, options: { ...PROXY_FLAGS, ...CI_FLAGS, report: { type: 'string' }, 'fail-on': { type: 'string' } }, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const failOn = (values['fail-on'] ?? 'pinning') as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new UsageError(`--fail-on expects one of ${FAIL_ON.join(', ')}, got "${values['fail-on'] ?? ''}"`);
  const [program, ...programArgs] = command;
  if (!program) throw new UsageError('pinscope run needs a command after --, e.g. pinscope run -- curl https://example.com');
  const options = toProxyOptions(values);
  const startedAt = new Date();
  const session = await startCliSession(options, values.events, values['auto-confirm'] ?? false);
  // The bundled CLI runs from dist/, next to the Node preload.
  const environment = routedEnvironment(session.engine, __dirname, process.env);
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
  await waitUntil(() => session.engine.openConnections === 0 && session.engine.records().every((r) => r.finished), 1000);
  const hosts = await session.stop();
  process.stderr.write(formatSummary(hosts));
  // Reports are shared (CI artefacts, pull requests): the command line goes through the one redaction.
  const shown = redactCommand(command);
  if (values.report) await writeFile(values.report, renderSummaryMarkdown(hosts, { command: shown }));
  await writeCiReports(hosts, { junit: values.junit, command: shown, failOn, startedAt });
  if (status !== 0) return status;
  return hosts.some((h) => failsGate(h, failOn)) ? EXIT_POLICY : 0;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
