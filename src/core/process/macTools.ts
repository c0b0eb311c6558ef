/**
 * macOS: the client socket's owner from `lsof -F` (field output: one field a line, its kind in the first
 * character: `p` pid, `c` command, `n` the connection `client->proxy`, `T` TCP state), the processes from
 * `ps` (pid, parent, start time, executable path, arguments). Behind ToolProcessAttributor.
 */
import { basename } from 'node:path';
import { redactText } from './commandRedaction';
import { endpointText } from './procNetTcp';
import type { AcceptedEndpoints } from './processIdentity';
import type { PlatformTools, RunTool, ToolProcess } from './toolAttribution';

export interface LsofSocket {
  readonly pid: number;
  readonly command: string;
  /** `n`: `127.0.0.1:50312->127.0.0.1:8080`, IPv6 in brackets. */
  readonly name: string;
  /** From `TST=…`, e.g. ESTABLISHED; empty when not listed. */
  readonly state: string;
}

/** Parses `lsof -F pcnT` output: a `p` line starts a process, each `n` line a file; `T` lines follow their `n`. */
export function parseLsofFields(text: string): LsofSocket[] {
  const sockets: { pid: number; command: string; name: string; state: string }[] = [];
  let pid = 0;
  let command = '';
  for (const line of text.split('\n')) {
    const kind = line[0];
    const value = line.slice(1).replace(/\r$/, '');
    if (kind === 'p') {
      pid = /^\d+$/.test(value) ? Number(value) : 0;
      command = '';
    } else if (kind === 'c') {
      command = value;
    } else if (kind === 'n' && pid > 0) {
      sockets.push({ pid, command, name: value, state: '' });
    } else if (kind === 'T' && value.startsWith('ST=')) {
      const last = sockets.at(-1);
      if (last && last.pid === pid) last.state = value.slice(3);
    }
  }
  return sockets;
}

/** The connection as lsof names it from the client's side. */
function lsofName(endpoints: AcceptedEndpoints): string {
  return `${endpointText(endpoints.remoteAddress, endpoints.remotePort)}->${endpointText(endpoints.localAddress, endpoints.localPort)}`;
}

/** lsof writes IPv6 uncompressed on some versions: compare through the same normal form. */
function normalName(name: string): string {
  return name
    .split('->')
    .map((end) => {
      const match = /^\[(.+)\]:(\d+)$/.exec(end) ?? /^(.+):(\d+)$/.exec(end);
      return match ? endpointText(match[1] ?? '', Number(match[2])) : end;
    })
    .join('->');
}

export function findLsofOwner(text: string, endpoints: AcceptedEndpoints): number | null {
  const wanted = lsofName(endpoints);
  return (
    parseLsofFields(text).find((socket) => normalName(socket.name) === wanted && (socket.state === '' || socket.state === 'ESTABLISHED'))
      ?.pid ?? null
  );
}

const LSTART = /^\s*(\d+)\s+(\d+)\s+(\w{3}\s+\w{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\d{4})\s+(.*)$/;

/**
 * `ps -A -ww -o pid=,ppid=,lstart=,comm=` (comm is the executable's path on macOS; it may hold spaces, so
 * it comes last) and `ps -A -ww -o pid=,args=`.
 */
export function parsePs(statusText: string, argsText: string): Map<number, ToolProcess> {
  const args = new Map<number, string[]>();
  for (const line of argsText.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    // ps joins the arguments with spaces and loses their quoting (`-H Authorization: Bearer x` becomes four
    // words): credentials are redacted in the whole line first, before it is split.
    if (match) args.set(Number(match[1]), redactText((match[2] ?? '').trim()).split(/\s+/));
  }
  const table = new Map<number, ToolProcess>();
  for (const line of statusText.split('\n')) {
    const match = LSTART.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    const comm = (match[4] ?? '').trim();
    const path = comm.startsWith('/') ? comm : null;
    table.set(pid, {
      pid,
      ppid: Number(match[2]),
      startTime: (match[3] ?? '').replace(/\s+/g, ' '),
      name: basename(comm),
      path,
      argv: args.get(pid) ?? [],
    });
  }
  return table;
}

export const macTools: PlatformTools = {
  description: 'macOS: socket owner by lsof, processes by ps',
  async ownerOf(endpoints: AcceptedEndpoints, run: RunTool): Promise<number | null> {
    if (!Number.isInteger(endpoints.remotePort)) return null;
    return findLsofOwner(await run('lsof', ['-nP', `-iTCP:${endpoints.remotePort}`, '-sTCP:ESTABLISHED', '-F', 'pcnT']), endpoints);
  },
  async processTable(run: RunTool): Promise<Map<number, ToolProcess>> {
    const [status, args] = await Promise.all([
      run('ps', ['-A', '-ww', '-o', 'pid=,ppid=,lstart=,comm=']),
      run('ps', ['-A', '-ww', '-o', 'pid=,args=']),
    ]);
    return parsePs(status, args);
  },
};
