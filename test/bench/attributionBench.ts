/**
 * Micro-benchmark of Linux process attribution: lookup latency with N open connections held by one
 * long-running client process, among every process of the machine, plus a few short-lived clients.
 * Usage: node out/test/bench/attributionBench.js [N=200] [LOOKUPS=100]. Prints one JSON line per phase.
 * Absolute numbers depend on the machine's load; the table read (/proc/net/tcp) dominates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { LinuxProcessAttributor } from '../../src/core/process/linuxAttribution';
import type { AcceptedEndpoints } from '../../src/core/process/processIdentity';

const N = Number(process.argv[2] ?? 200);
const LOOKUPS = Number(process.argv[3] ?? 100);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;

async function main(): Promise<void> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => { socket.on('error', () => undefined); sockets.push(socket); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // One client process holding N connections, opening one more each time it reads a line.
  const client: ChildProcess = spawn(process.execPath, ['-e', `const net=require('net');const held=[];let n=0;
for(let i=0;i<${N};i++)held.push(net.connect(${port},'127.0.0.1'));
process.stdin.on('data',()=>{held.push(net.connect(${port},'127.0.0.1'))});console.log('ready');setInterval(()=>{},1e6);`], { stdio: ['pipe', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => client.stdout?.once('data', () => resolve()));
  while (sockets.length < N) await new Promise((resolve) => setTimeout(resolve, 10));
  const endpoints = (socket: Socket): AcceptedEndpoints => ({ remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0, localAddress: socket.localAddress ?? '', localPort: socket.localPort ?? 0 });
  const processes = (await readFile('/proc/loadavg', 'utf8')).split(' ')[3];

  const tableTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'latin1')));
    tableTimes.push(performance.now() - t);
  }
  process.stdout.write(`${JSON.stringify({ phase: 'tcp table read (both)', medianMs: median(tableTimes), p95Ms: p95(tableTimes) })}\n`);

  const attributor = new LinuxProcessAttributor({ deadlineMs: 5_000 });
  const first = performance.now();
  const cold = await attributor.attribute(endpoints(sockets[0] as Socket));
  process.stdout.write(`${JSON.stringify({ phase: 'first lookup (cold, full scan)', ms: performance.now() - first, found: cold.kind === 'local' ? cold.process.pid === client.pid : cold })}\n`);

  const existing: number[] = [];
  for (let i = 1; i <= LOOKUPS; i++) {
    const t = performance.now();
    const found = await attributor.attribute(endpoints(sockets[i % N] as Socket));
    existing.push(performance.now() - t);
    if (found.kind !== 'local' || found.process.pid !== client.pid) throw new Error(`wrong attribution: ${JSON.stringify(found)}`);
  }
  process.stdout.write(`${JSON.stringify({ phase: `known connections of a process holding ${N}`, lookups: LOOKUPS, medianMs: median(existing), p95Ms: p95(existing) })}\n`);

  const fresh: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < LOOKUPS; i++) {
    const before = sockets.length;
    client.stdin?.write('x\n');
    while (sockets.length === before) await new Promise((resolve) => setImmediate(resolve));
    const t = performance.now();
    const found = await attributor.attribute(endpoints(sockets[sockets.length - 1] as Socket));
    fresh.push(performance.now() - t);
    if (found.kind !== 'local' || found.process.pid !== client.pid) throw new Error(`wrong attribution: ${JSON.stringify(found)}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${JSON.stringify({ phase: `new connection of a process holding ${N}+`, lookups: LOOKUPS, medianMs: median(fresh), p95Ms: p95(fresh), cpuMsPerLookup: (cpu.user + cpu.system) / 1000 / LOOKUPS, processes })}\n`);

  const shortLived: number[] = [];
  for (let i = 0; i < 10; i++) {
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const child = spawn(process.execPath, ['-e', `require('net').connect(${port},'127.0.0.1',()=>setTimeout(()=>process.exit(0),300))`], { stdio: 'ignore' });
    const socket = await accepted;
    const t = performance.now();
    const found = await attributor.attribute(endpoints(socket));
    shortLived.push(performance.now() - t);
    if (found.kind !== 'local' || found.process.pid !== child.pid) throw new Error(`wrong attribution: ${JSON.stringify(found)}`);
    await new Promise((resolve) => child.once('exit', resolve));
  }
  process.stdout.write(`${JSON.stringify({ phase: 'new short-lived process', lookups: 10, medianMs: median(shortLived), p95Ms: p95(shortLived) })}\n`);

  attributor.dispose();
  client.kill();
  for (const socket of sockets) socket.destroy();
  server.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
