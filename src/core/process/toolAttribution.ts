/**
 * Process attribution where the answer comes from the platform's tools (macOS: lsof and ps; Windows:
 * PowerShell's Get-NetTCPConnection and Win32_Process): the platform module says which tool to run and
 * how to read its output, this one walks the parents, builds the identity and bounds everything by the
 * deadline. Tool output is untrusted text: it is parsed, never evaluated, and only integers are ever put
 * into a tool's arguments.
 */
import { execFile } from 'node:child_process';
import { baseName, describeAncestry, type ChainLink } from './appRecognition';
import { redactArguments, redactCommand } from './commandRedaction';
import { LocalAddresses } from './localAddresses';
import { processKey } from '../record/client';
import {
  DEFAULT_ATTRIBUTION_DEADLINE_MS,
  remoteClient,
  unknownProcess,
  withDeadline,
  type AcceptedEndpoints,
  type Attribution,
  type ProcessAttributor,
  type ProcessIdentity,
} from './processIdentity';

/** One process as a tool describes it. */
export interface ToolProcess {
  readonly pid: number;
  readonly ppid: number;
  /** The platform's start time (macOS: ps's lstart; Windows: ms since the epoch): with the pid, a key. */
  readonly startTime: string;
  readonly name: string;
  readonly path: string | null;
  /** The arguments, argv[0] first, not yet redacted. */
  readonly argv: readonly string[];
}

/** Runs a tool and resolves with its standard output (also on a non-zero exit: lsof exits 1 when it finds nothing). */
export type RunTool = (command: string, args: readonly string[]) => Promise<string>;

export interface PlatformTools {
  /** For `method`: what is asked, e.g. "macOS: lsof and ps". */
  readonly description: string;
  /** The pid owning the client's socket of this connection, or null. */
  ownerOf(endpoints: AcceptedEndpoints, run: RunTool): Promise<number | null>;
  /** Every process the tool lists (one call: cheaper than one call per parent). */
  processTable(run: RunTool): Promise<Map<number, ToolProcess>>;
}

const TOOL_TIMEOUT_MS = 5_000;
const MAX_TOOL_OUTPUT = 8 * 1024 * 1024;
const MAX_PARENTS = 12;

const runTool: RunTool = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { timeout: TOOL_TIMEOUT_MS, maxBuffer: MAX_TOOL_OUTPUT, windowsHide: true, encoding: 'utf8' },
      (error, stdout) => {
        if (error && (typeof error.code === 'string' || error.killed))
          reject(new Error(`${command} failed: ${error.message.split('\n')[0] ?? ''}`));
        else resolve(stdout);
      },
    );
  });

/** Splits a command line the way Windows programs read theirs (double quotes group, `\"` is a quote). */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] ?? '';
    if (char === '\\' && line[i + 1] === '"') {
      current += '"';
      i++;
      started = true;
    } else if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (/\s/.test(char) && !quoted) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

export class ToolProcessAttributor implements ProcessAttributor {
  private readonly local = new LocalAddresses();
  private readonly deadlineMs: number;

  constructor(
    private readonly tools: PlatformTools,
    private readonly run: RunTool = runTool,
    deadlineMs = DEFAULT_ATTRIBUTION_DEADLINE_MS,
  ) {
    this.deadlineMs = deadlineMs;
  }

  get method(): string {
    return this.tools.description;
  }

  attribute(endpoints: AcceptedEndpoints): Promise<Attribution> {
    if (!this.local.isLocal(endpoints.remoteAddress)) return Promise.resolve(remoteClient(endpoints.remoteAddress));
    return withDeadline(this.lookup(endpoints), this.deadlineMs);
  }

  dispose(): void {
    // Nothing is kept between lookups.
  }

  private async lookup(endpoints: AcceptedEndpoints): Promise<Attribution> {
    // Both asked at once: a client that fails fast may be gone by the time the owner is known.
    const [pid, table] = await Promise.all([this.tools.ownerOf(endpoints, this.run), this.tools.processTable(this.run)]);
    if (pid === null) return unknownProcess('no process holds the connection any more (or it belongs to another user)');
    const self = table.get(pid);
    if (!self) return unknownProcess('the process exited before it could be read');
    const chain: ToolProcess[] = [];
    for (
      let parent = table.get(self.ppid);
      parent && chain.length < MAX_PARENTS && parent.pid !== self.pid && !chain.includes(parent);
      parent = table.get(parent.ppid)
    ) {
      chain.push(parent);
      if (parent.ppid === parent.pid) break;
    }
    const link = (p: ToolProcess): ChainLink => ({ pid: p.pid, name: p.name, path: p.path, argv: redactArguments(p.argv) });
    const ancestry = describeAncestry([link(self), ...chain.map(link)]);
    const argv = redactArguments(self.argv);
    const identity: ProcessIdentity = {
      pid,
      startTime: self.startTime,
      key: processKey(pid, self.startTime, self.path),
      path: self.path,
      name: self.path ? baseName(self.path) : self.name,
      command: redactCommand(argv.length > 0 ? argv : [self.name]),
      arguments: argv,
      parents: ancestry.parents,
      app: ancestry.app,
      label: ancestry.label,
    };
    // Environments of other processes are not readable here: trust knowledge says "not known".
    return { kind: 'local', process: identity, environment: null };
  }
}
