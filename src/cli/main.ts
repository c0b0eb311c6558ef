/** The headless CLI: `pinscope proxy | run | ca | export | scan`. */
import { caCommand } from './caCommand';
import { proxyCommand } from './proxyCommand';
import { runCommand } from './runCommand';
import { flushStandardStreams, watchStandardStreams } from './standardStreams';
import { EXIT_USAGE, UsageError } from './usage';
import { errorMessage } from '../core/errors';
import { terminalSafe } from '../core/report/connectionReport';
import { RecordingError } from '../core/exemptions/recordedConnections';
import { SnippetError } from '../core/exemptions/vendors/vendorFormat';
import { ProxyOptionError } from '../core/proxy/proxyOptions';

const HELP = `Usage: pinscope <command> [options]

See which hosts of your app break under SSL inspection, and whether certificate pinning is the cause.

Commands:
  proxy    run the intercepting proxy with a live timeline of every connection
  run      run a command through the proxy and judge what broke (for CI)
  ca       export the CA certificate
  export   turn recorded events into an exemption request for your security team
  scan     find the code that pins certificates, linked to a recording
  diff     compare two recordings (or folders of them): newly broken, fixed, changed, new hosts

Run 'pinscope <command> --help' for a command's options.
`;

const COMMANDS: Readonly<Record<string, (args: string[]) => Promise<number>>> = {
  proxy: proxyCommand,
  run: runCommand,
  ca: caCommand,
  // Loaded on use: exemption requests need the public suffix list, which the proxy does not.
  export: async (args) => (await import('./exportCommand.js')).exportCommand(args),
  scan: async (args) => (await import('./scanCommand.js')).scanCommand(args),
  diff: async (args) => (await import('./diffCommand.js')).diffCommand(args),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"; expected one of ${Object.keys(COMMANDS).join(', ')}`);
    return await command(rest);
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof SnippetError ||
      error instanceof RecordingError ||
      error instanceof ProxyOptionError ||
      (error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS'));
    process.stderr.write(`pinscope${command ? ` ${terminalSafe(name)}` : ''}: ${terminalSafe(errorMessage(error))}\n`);
    if (usage) process.stderr.write(`Run 'pinscope ${command ? `${name} ` : ''}--help' for usage.\n`);
    return usage ? EXIT_USAGE : 1;
  }
}

/** Exits once stdout and stderr are flushed: a piped output is never cut short. */
async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = await flushStandardStreams(code);
  // A command may leave handles behind (a child's pipes, timers): the status is final, so end here.
  process.exit();
}

if (require.main === module) {
  watchStandardStreams();
  void main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
    process.stderr.write(`pinscope: ${errorMessage(error)}\n`);
    return exitWhenFlushed(1);
  });
}
