/**
 * Windows: the client socket's owner from PowerShell's `Get-NetTCPConnection` (the TCP table of the IP
 * helper API), the processes from `Get-CimInstance Win32_Process`, both as JSON. ConvertTo-Json writes one
 * object for one result and an array for more; Windows PowerShell 5.1 writes dates as `/Date(ms)/`,
 * PowerShell 7 as ISO text. Behind ToolProcessAttributor.
 */
import { endpointText } from './procNetTcp';
import type { AcceptedEndpoints } from './processIdentity';
import { splitCommandLine, type PlatformTools, type RunTool, type ToolProcess } from './toolAttribution';

const POWERSHELL = 'powershell.exe';
const POWERSHELL_ARGS = ['-NoProfile', '-NonInteractive', '-Command'];

function rows(json: string): Record<string, unknown>[] {
  const text = json.trim();
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null);
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const int = (value: unknown): number => (typeof value === 'number' && Number.isInteger(value) ? value : -1);

/** The owning pid of the client's socket in Get-NetTCPConnection's JSON (its local end is the client). */
export function findConnectionOwner(json: string, endpoints: AcceptedEndpoints): number | null {
  const client = endpointText(endpoints.remoteAddress, endpoints.remotePort);
  const proxy = endpointText(endpoints.localAddress, endpoints.localPort);
  const row = rows(json).find(
    (r) =>
      endpointText(str(r['LocalAddress']), int(r['LocalPort'])) === client &&
      endpointText(str(r['RemoteAddress']), int(r['RemotePort'])) === proxy,
  );
  const pid = row ? int(row['OwningProcess']) : -1;
  return pid > 0 ? pid : null;
}

/** `/Date(1717000000000)/` or `2024-06-10T09:15:02.1234567+02:00` → ms since the epoch, as text. */
export function creationTime(value: unknown): string {
  const text = str(value);
  const legacy = /^\/Date\((\d+)\)\/$/.exec(text);
  if (legacy) return legacy[1] ?? '';
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : String(ms);
}

export function parseWin32Processes(json: string): Map<number, ToolProcess> {
  const table = new Map<number, ToolProcess>();
  for (const row of rows(json)) {
    const pid = int(row['ProcessId']);
    if (pid < 0) continue;
    const path = str(row['ExecutablePath']) || null;
    const commandLine = str(row['CommandLine']);
    table.set(pid, {
      pid,
      ppid: int(row['ParentProcessId']),
      startTime: creationTime(row['CreationDate']),
      name: str(row['Name']) || String(pid),
      path,
      argv: commandLine ? splitCommandLine(commandLine) : [],
    });
  }
  return table;
}

export const windowsTools: PlatformTools = {
  description: 'Windows: socket owner by Get-NetTCPConnection, processes by Win32_Process',
  async ownerOf(endpoints: AcceptedEndpoints, run: RunTool): Promise<number | null> {
    if (!Number.isInteger(endpoints.remotePort) || !Number.isInteger(endpoints.localPort)) return null;
    // Only integers go into the command.
    const command = `Get-NetTCPConnection -LocalPort ${endpoints.remotePort} -RemotePort ${endpoints.localPort} -ErrorAction SilentlyContinue | Select-Object LocalAddress,LocalPort,RemoteAddress,RemotePort,OwningProcess | ConvertTo-Json -Compress`;
    return findConnectionOwner(await run(POWERSHELL, [...POWERSHELL_ARGS, command]), endpoints);
  },
  async processTable(run: RunTool): Promise<Map<number, ToolProcess>> {
    const command =
      'Get-CimInstance Win32_Process | Select-Object ProcessId,ParentProcessId,Name,ExecutablePath,CommandLine,CreationDate | ConvertTo-Json -Compress';
    return parseWin32Processes(await run(POWERSHELL, [...POWERSHELL_ARGS, command]));
  },
};
