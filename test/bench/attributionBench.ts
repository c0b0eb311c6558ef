/**
 * Micro-benchmark of Linux process attribution, for each source of the client socket's inode: the
 * kernel's exact netlink lookup (python3 helper) and the /proc/net/tcp{,6} tables. N open connections are
 * held by one long-running client process, among every process of the machine, plus short-lived clients.
 * Usage: node out/test/bench/attributionBench.js [N=200] [LOOKUPS=200]. Prints one JSON line per phase.
 * CPU per lookup counts this process and the helper (user + system). Absolute numbers depend on the
 * machine's load; compare the two sources within one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ClientSocketLookup, type SocketSource } from '../../src/core/process/clientSockets';
import { LinuxProcessAttributor } from '../../src/core/process/linuxAttribution';
import type { AcceptedEndpoints } from '../../src/core/process/processIdentity';

const N = Number(process.argv[2] ?? 200);
const LOOKUPS = Number(process.argv[3] ?? 200);
const BURST = 50;
const CLOCK_TICK_MS = 10;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;
const round = (x: number): number => Math.round(x * 1000) / 1000;
const print = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** CPU time (user + system, ms) of this process plus, when given, a helper process (from its stat, in clock ticks). */
async function cpuMs(helperPid: number | null): Promise<number> {
  const own = process.cpuUsage();
  let helper = 0;
  if (helperPid !== null) {
    const stat = await readFile(`/proc/${helperPid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    helper = (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * CLOCK_TICK_MS;
  }
  return (own.user + own.system) / 1000 + helper;
}

async function waitReady(helperPid: () => number | null): Promise<void> {
  for (let i = 0; i < 500 && helperPid() === null; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function main(): Promise<void> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // One client process holding N connections, opening one more each time it reads a line.
  const client: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const net=require('net');const held=[];
for(let i=0;i<${N};i++)held.push(net.connect(${port},'127.0.0.1'));
process.stdin.on('data',()=>{held.push(net.connect(${port},'127.0.0.1'))});console.log('ready');setInterval(()=>{},1e6);`,
    ],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  await new Promise<void>((resolve) => client.stdout?.once('data', () => resolve()));
  while (sockets.length < N) await new Promise((resolve) => setTimeout(resolve, 10));
  const endpoints = (socket: Socket): AcceptedEndpoints => ({
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
  });
  const [load1 = '', , , processes = ''] = (await readFile('/proc/loadavg', 'utf8')).split(' ');
  const tcpSockets = (await readFile('/proc/net/tcp', 'latin1')).split('\n').length - 2;
  print({ machine: { load1: Number(load1), processes, tcpSocketsIpv4: tcpSockets, heldConnections: N } });

  const sources: SocketSource[] = ['tables', 'netlink'];
  // 1. The step that differs: the client socket's inode and uid, one lookup at a time, then in bursts.
  for (const source of sources) {
    const lookup = new ClientSocketLookup({ source });
    await waitReady(() => (source === 'netlink' ? lookup.helperPid : 0));
    const helper = lookup.helperPid;
    const times: number[] = [];
    const cpuBefore = await cpuMs(helper);
    for (let i = 0; i < LOOKUPS; i++) {
      const socket = sockets[i % N] as Socket;
      const t = performance.now();
      const found = await lookup.lookup(endpoints(socket));
      times.push(performance.now() - t);
      if (found.kind !== 'found' || found.entry.inode === 0)
        throw new Error(`${source}: no socket for ${JSON.stringify(endpoints(socket))}`);
    }
    const cpu = (await cpuMs(helper)) - cpuBefore;
    print({
      phase: 'socket lookup, one at a time',
      source,
      method: lookup.method,
      lookups: LOOKUPS,
      medianMs: round(median(times)),
      p95Ms: round(p95(times)),
      cpuMsPerLookup: round(cpu / LOOKUPS),
    });

    const burstCpuBefore = await cpuMs(helper);
    const t = performance.now();
    const bursts = Math.max(1, Math.floor(LOOKUPS / BURST));
    for (let b = 0; b < bursts; b++) {
      const found = await Promise.all(sockets.slice(0, BURST).map((socket) => lookup.lookup(endpoints(socket))));
      if (found.some((entry) => entry.kind !== 'found')) throw new Error(`${source}: a burst lookup found nothing`);
    }
    const burstCpu = (await cpuMs(helper)) - burstCpuBefore;
    print({
      phase: `socket lookup, bursts of ${BURST} concurrent`,
      source,
      lookups: bursts * BURST,
      wallMsPerLookup: round((performance.now() - t) / (bursts * BURST)),
      cpuMsPerLookup: round(burstCpu / (bursts * BURST)),
    });
    lookup.dispose();
  }

  // 2. Whole attributions (socket, owner, identity and parents) for each source.
  for (const source of sources) {
    const attributor = new LinuxProcessAttributor({ deadlineMs: 5_000, socketSource: source });
    await waitReady(() => (source === 'netlink' ? attributor.helperPid : 0));
    const helper = attributor.helperPid;
    const first = performance.now();
    const cold = await attributor.attribute(endpoints(sockets[0] as Socket));
    print({
      phase: 'first attribution (cold, full scan)',
      source,
      ms: round(performance.now() - first),
      found: cold.kind === 'local' ? cold.process.pid === client.pid : cold,
    });

    const existing: number[] = [];
    for (let i = 1; i <= LOOKUPS; i++) {
      const t = performance.now();
      const found = await attributor.attribute(endpoints(sockets[i % N] as Socket));
      existing.push(performance.now() - t);
      if (found.kind !== 'local' || found.process.pid !== client.pid) throw new Error(`wrong attribution: ${JSON.stringify(found)}`);
    }
    print({
      phase: `attribution, known connections of a process holding ${N}`,
      source,
      lookups: LOOKUPS,
      medianMs: round(median(existing)),
      p95Ms: round(p95(existing)),
    });

    const fresh: number[] = [];
    const cpuBefore = await cpuMs(helper);
    for (let i = 0; i < LOOKUPS; i++) {
      const accepted = new Promise((resolve) => server.once('connection', resolve));
      client.stdin?.write('x\n');
      await accepted;
      const t = performance.now();
      const found = await attributor.attribute(endpoints(sockets[sockets.length - 1] as Socket));
      fresh.push(performance.now() - t);
      if (found.kind !== 'local' || found.process.pid !== client.pid) throw new Error(`wrong attribution: ${JSON.stringify(found)}`);
    }
    const cpu = (await cpuMs(helper)) - cpuBefore;
    // The CPU includes accepting the connection (small next to the lookup).
    print({
      phase: `attribution, new connection of a process holding ${N}+`,
      source,
      lookups: LOOKUPS,
      medianMs: round(median(fresh)),
      p95Ms: round(p95(fresh)),
      cpuMsPerLookup: round(cpu / LOOKUPS),
    });

    const shortLived: number[] = [];
    for (let i = 0; i < 10; i++) {
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const child = spawn(process.execPath, ['-e', `require('net').connect(${port},'127.0.0.1',()=>setTimeout(()=>process.exit(0),300))`], {
        stdio: 'ignore',
      });
      const socket = await accepted;
      const t = performance.now();
      const found = await attributor.attribute(endpoints(socket));
      shortLived.push(performance.now() - t);
      if (found.kind !== 'local' || found.process.pid !== child.pid) throw new Error(`wrong attribution: ${JSON.stringify(found)}`);
      await new Promise((resolve) => child.once('exit', resolve));
    }
    print({
      phase: 'attribution, new short-lived process',
      source,
      lookups: 10,
      medianMs: round(median(shortLived)),
      p95Ms: round(p95(shortLived)),
    });
    attributor.dispose();
  }

  client.kill();
  for (const socket of sockets) socket.destroy();
  server.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
