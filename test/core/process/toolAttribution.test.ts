/**
 * macOS and Windows attribution behind the same ProcessAttributor, on recorded tool output (fixtures/):
 * the commands asked for are checked too, so a changed command fails here. lsof's field output is also
 * read from the real lsof of this machine, on a live connection.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { processAttributorFor } from '../../../src/core/process/platformAttribution';
import { findLsofOwner, macTools, parseLsofFields, parsePs } from '../../../src/core/process/macTools';
import type { AcceptedEndpoints, Attribution, ProcessIdentity } from '../../../src/core/process/processIdentity';
import { splitCommandLine, ToolProcessAttributor, type RunTool } from '../../../src/core/process/toolAttribution';
import { creationTime, findConnectionOwner, parseWin32Processes, windowsTools } from '../../../src/core/process/windowsTools';
import { ROOT } from '../../support/cli';

const FIXTURES = join(ROOT, 'test', 'core', 'process', 'fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** Answers the exact commands recorded, and fails the test on any other. */
function recorded(answers: Record<string, string>): { run: RunTool; asked: string[] } {
  const asked: string[] = [];
  const run: RunTool = (command, args) => {
    const line = [command, ...args].join(' ');
    asked.push(line);
    const answer = answers[line];
    return answer === undefined ? Promise.reject(new Error(`unexpected command: ${line}`)) : Promise.resolve(answer);
  };
  return { run, asked };
}

function local(attribution: Attribution): ProcessIdentity {
  assert.equal(attribution.kind, 'local', JSON.stringify(attribution));
  return attribution.process;
}

const curlV4: AcceptedEndpoints = { remoteAddress: '127.0.0.1', remotePort: 50312, localAddress: '127.0.0.1', localPort: 8080 };
const javaV6: AcceptedEndpoints = { remoteAddress: '::1', remotePort: 61044, localAddress: '::1', localPort: 8080 };

describe('macOS attribution (lsof and ps, recorded)', () => {
  const psStatus = 'ps -A -ww -o pid=,ppid=,lstart=,comm=';
  const psArgs = 'ps -A -ww -o pid=,args=';
  const tools = recorded({
    'lsof -nP -iTCP:50312 -sTCP:ESTABLISHED -F pcnT': fixture('macos/lsof-tcp-50312.txt'),
    'lsof -nP -iTCP:61044 -sTCP:ESTABLISHED -F pcnT': fixture('macos/lsof-tcp-61044-ipv6.txt'),
    'lsof -nP -iTCP:40000 -sTCP:ESTABLISHED -F pcnT': '',
    [psStatus]: fixture('macos/ps-status.txt'),
    [psArgs]: fixture('macos/ps-args.txt'),
  });
  const attributor = new ToolProcessAttributor(macTools, tools.run, 5_000);

  it('reads lsof field output: pid, command, connection, state', () => {
    const sockets = parseLsofFields(fixture('macos/lsof-tcp-50312.txt'));
    assert.deepEqual(
      sockets.map((s) => [s.pid, s.command, s.name, s.state]),
      [
        [5120, 'node', '127.0.0.1:8080->127.0.0.1:50312', 'ESTABLISHED'],
        [48213, 'curl', '127.0.0.1:50312->127.0.0.1:8080', 'ESTABLISHED'],
        [731, 'Google Ch', '192.168.1.23:50312->142.250.184.206:443', 'ESTABLISHED'],
      ],
    );
  });

  it('takes the client side, not the proxy holding the other end or another host on the same port', () => {
    assert.equal(findLsofOwner(fixture('macos/lsof-tcp-50312.txt'), curlV4), 48213);
    assert.equal(findLsofOwner(fixture('macos/lsof-tcp-61044-ipv6.txt'), javaV6), 49002);
    assert.equal(findLsofOwner(fixture('macos/lsof-tcp-50312.txt'), { ...curlV4, localPort: 8081 }), null);
  });

  it('reads ps: paths with spaces, start times, and credentials redacted before the unquoted line is split', () => {
    const table = parsePs(fixture('macos/ps-status.txt'), fixture('macos/ps-args.txt'));
    const helper = table.get(655);
    assert.equal(helper?.path, '/Applications/Visual Studio Code.app/Contents/Frameworks/Code Helper.app/Contents/MacOS/Code Helper');
    assert.equal(helper.name, 'Code Helper');
    assert.equal(table.get(48213)?.startTime, 'Mon Jun 10 09:15:02 2024');
    assert.doesNotMatch(JSON.stringify(table.get(48213)?.argv), /sk-live|Bearer/);
  });

  it('names curl in a VS Code terminal, with its parents, redacted command and process key', async () => {
    const identity = local(await attributor.attribute(curlV4));
    assert.equal(identity.pid, 48213);
    assert.equal(identity.path, '/usr/bin/curl');
    assert.equal(identity.name, 'curl');
    assert.equal(identity.key, '48213@Mon Jun 10 09:15:02 2024:/usr/bin/curl');
    assert.equal(identity.app, 'Code terminal');
    assert.equal(identity.label, 'Code terminal › zsh › curl');
    assert.deepEqual(
      identity.parents.map((p) => p.pid),
      [47990, 655],
    );
    assert.doesNotMatch(identity.command, /sk-live|Bearer/);
    assert.match(identity.command, /^curl -sS -H Authorization: \*\*\*/);
  });

  it('names java over IPv6 under a shell script, with its trust store password redacted', async () => {
    const identity = local(await attributor.attribute(javaV6));
    assert.equal(identity.pid, 49002);
    assert.equal(identity.name, 'java');
    assert.equal(identity.label, 'Code terminal › zsh › bash › java client.jar');
    assert.match(identity.command, /-Djavax\.net\.ssl\.trustStorePassword=\*\*\*/);
  });

  it('says "unknown process" when lsof finds nothing, and names the method', async () => {
    const attribution = await attributor.attribute({ ...curlV4, remotePort: 40000 });
    assert.equal(attribution.kind, 'unknown');
    assert.equal(attributor.method, 'macOS: socket owner by lsof, processes by ps');
  });
});

describe('Windows attribution (Get-NetTCPConnection and Win32_Process, recorded)', () => {
  const shell = 'powershell.exe -NoProfile -NonInteractive -Command';
  const connections = (local: number, remote: number): string =>
    `${shell} Get-NetTCPConnection -LocalPort ${local} -RemotePort ${remote} -ErrorAction SilentlyContinue | Select-Object LocalAddress,LocalPort,RemoteAddress,RemotePort,OwningProcess | ConvertTo-Json -Compress`;
  const processes = `${shell} Get-CimInstance Win32_Process | Select-Object ProcessId,ParentProcessId,Name,ExecutablePath,CommandLine,CreationDate | ConvertTo-Json -Compress`;
  const answers = (processJson: string): Record<string, string> => ({
    [connections(50312, 8080)]: fixture('windows/netconnection-50312.json'),
    [connections(61044, 8080)]: fixture('windows/netconnection-61044.json'),
    [connections(40000, 8080)]: '',
    [processes]: processJson,
  });

  it('finds the owner in one object or an array, matching both ends', () => {
    assert.equal(findConnectionOwner(fixture('windows/netconnection-50312.json'), curlV4), 8812);
    assert.equal(findConnectionOwner(fixture('windows/netconnection-61044.json'), javaV6), 9340);
    assert.equal(findConnectionOwner(fixture('windows/netconnection-61044.json'), { ...javaV6, localAddress: '127.0.0.1' }), null);
    assert.equal(findConnectionOwner('', curlV4), null);
  });

  it('reads creation dates from Windows PowerShell 5.1 and PowerShell 7 alike', () => {
    assert.equal(creationTime('/Date(1718003702123)/'), '1718003702123');
    assert.equal(creationTime('2024-06-10T09:15:02.1230000+02:00'), '1718003702123');
    const old = parseWin32Processes(fixture('windows/win32-process-ps51.json'));
    const fresh = parseWin32Processes(fixture('windows/win32-process-ps7.json'));
    assert.deepEqual(
      [...old.values()].map((p) => p.startTime),
      [...fresh.values()].map((p) => p.startTime),
    );
  });

  it('splits Windows command lines by their quotes', () => {
    assert.deepEqual(splitCommandLine('"C:\\Program Files\\PowerShell\\7\\pwsh.exe" -NoLogo'), [
      'C:\\Program Files\\PowerShell\\7\\pwsh.exe',
      '-NoLogo',
    ]);
    assert.deepEqual(splitCommandLine('curl.exe -H "Authorization: Bearer x" -d "{\\"a\\":1}"  '), [
      'curl.exe',
      '-H',
      'Authorization: Bearer x',
      '-d',
      '{"a":1}',
    ]);
    assert.deepEqual(splitCommandLine('a "" b'), ['a', '', 'b']);
  });

  for (const [version, file] of [
    ['5.1', 'windows/win32-process-ps51.json'],
    ['7', 'windows/win32-process-ps7.json'],
  ] as const) {
    it(`names curl.exe in a VS Code terminal (PowerShell ${version} output)`, async () => {
      const attributor = new ToolProcessAttributor(windowsTools, recorded(answers(fixture(file))).run, 5_000);
      const identity = local(await attributor.attribute(curlV4));
      assert.equal(identity.pid, 8812);
      assert.equal(identity.path, 'C:\\Windows\\system32\\curl.exe');
      assert.equal(identity.name, 'curl.exe');
      assert.equal(identity.key, '8812@1718003702123:C:\\Windows\\system32\\curl.exe');
      assert.equal(identity.app, 'Code terminal');
      assert.equal(identity.label, 'Code terminal › pwsh.exe › curl.exe api.example.com');
      assert.doesNotMatch(identity.command, /sk-live/);
      assert.match(identity.command, /'Authorization: \*\*\*'/);
    });
  }

  it('names python.exe over IPv6, its path with spaces kept as one argument and its key redacted', async () => {
    const attributor = new ToolProcessAttributor(windowsTools, recorded(answers(fixture('windows/win32-process-ps51.json'))).run, 5_000);
    const identity = local(await attributor.attribute(javaV6));
    assert.equal(identity.name, 'python.exe');
    assert.deepEqual(identity.arguments.slice(1), ['fetch.py', '--api-key=***', 'C:\\Users\\ana\\My Data\\urls.txt']);
    assert.equal(identity.label, 'Code terminal › pwsh.exe › python.exe fetch.py');
  });

  it('degrades to "unknown process" when nothing owns the connection or PowerShell fails', async () => {
    const attributor = new ToolProcessAttributor(windowsTools, recorded(answers(fixture('windows/win32-process-ps51.json'))).run, 5_000);
    assert.equal((await attributor.attribute({ ...curlV4, remotePort: 40000 })).kind, 'unknown');
    const broken = new ToolProcessAttributor(windowsTools, () => Promise.reject(new Error('powershell.exe failed: not found')), 5_000);
    assert.deepEqual(await broken.attribute(curlV4), {
      kind: 'unknown',
      reason: 'powershell.exe failed: not found',
      label: 'unknown process',
    });
    const garbled = new ToolProcessAttributor(windowsTools, () => Promise.resolve('{not json'), 5_000);
    assert.equal((await garbled.attribute(curlV4)).kind, 'unknown');
  });
});

describe('lsof field output of this machine (live connection)', { skip: process.platform !== 'linux' && 'Linux here' }, () => {
  it('finds this process as the client of a live connection, and not the listener side', async (t) => {
    const available = await new Promise<boolean>((resolve) =>
      execFile('lsof', ['-v'], (error) => resolve(!error || error.code !== 'ENOENT')),
    );
    if (!available) return t.skip('lsof is not installed');
    const server = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const client: Socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    const endpoints: AcceptedEndpoints = {
      remoteAddress: client.localAddress ?? '',
      remotePort: client.localPort ?? 0,
      localAddress: '127.0.0.1',
      localPort: port,
    };
    const output = await new Promise<string>((resolve) =>
      execFile('lsof', ['-nP', `-iTCP:${endpoints.remotePort}`, '-sTCP:ESTABLISHED', '-F', 'pcnT'], (_error, stdout) => resolve(stdout)),
    );
    client.destroy();
    server.close();
    assert.equal(findLsofOwner(output, endpoints), process.pid, output);
    assert.equal(
      parseLsofFields(output).filter((s) => s.pid === process.pid).length,
      2,
      'both ends are this process: only the client side matches',
    );
  });
});

describe('the attributor for each platform', () => {
  it('picks the kernel on Linux, the tools on macOS and Windows, and says "unknown" elsewhere', async () => {
    const mac = processAttributorFor('darwin');
    const windows = processAttributorFor('win32');
    const other = processAttributorFor('aix');
    assert.equal(mac.method, 'macOS: socket owner by lsof, processes by ps');
    assert.equal(windows.method, 'Windows: socket owner by Get-NetTCPConnection, processes by Win32_Process');
    assert.deepEqual(await other.attribute(curlV4), {
      kind: 'unknown',
      reason: 'process attribution is not available on aix',
      label: 'unknown process',
    });
    assert.equal((await other.attribute({ ...curlV4, remoteAddress: '192.0.2.7' })).kind, 'remote');
    if (process.platform === 'linux') {
      const linux = processAttributorFor('linux', { socketSource: 'tables' });
      assert.match(linux.method, /^Linux: socket by \/proc\/net\/tcp tables/);
      linux.dispose();
    }
    for (const attributor of [mac, windows, other]) attributor.dispose();
  });
});
