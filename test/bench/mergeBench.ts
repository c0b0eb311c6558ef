/**
 * `npm run bench` (merge part): writes 200 recordings holding 1,000,000 connections in all (each run:
 * a few processes of one app against 60 of the fleet's 400 hosts, mostly working, some breaking, some
 * tunnelled), then merges them in a child process as `pinscope export --from FOLDER` does, and reports
 * the wall time and the child's peak resident memory. Prints JSON lines like the proxy bench.
 * BENCH_MERGE_RUNS and BENCH_MERGE_CONNECTIONS scale it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { judgeConnection, noEvidence } from '../../src/core/diagnosis/judgement';
import { toConnectionLine, type ConnectionLine } from '../../src/core/report/connectionReport';
import { mergeRecordings } from '../../src/core/report/mergedRuns';
import { recordingInputs } from '../../src/core/io/recordingInputs';
import type { ConnectionRecord } from '../../src/core/timeline';
import { JA4_APP, JA4_CURL, transcripts } from '../support/transcripts';

const RUNS = Number(process.env['BENCH_MERGE_RUNS'] ?? '200');
const CONNECTIONS = Number(process.env['BENCH_MERGE_CONNECTIONS'] ?? '1000000');
/** The fleet's hosts; each run (one session of the app) reaches HOSTS_PER_RUN of them, some far more often than others. */
const HOSTS = 400;
const HOSTS_PER_RUN = 60;
const PROCESSES_PER_RUN = 4;

type Shape = (host: string, ja4: string) => ConnectionRecord;
/** What each connection does, in proportion: mostly working. */
const SHAPES: readonly [Shape, number][] = [
  [(h, j) => transcripts.ok(h, j), 80],
  [(h, j) => transcripts.closedAfterHandshake(h, j), 5],
  [(h, j) => transcripts.alert(h, 'unknown_ca', j), 5],
  [(h, j) => transcripts.reset(h, j), 3],
  [(h) => transcripts.upstreamFailed(h), 3],
  [(h) => transcripts.tunnelled(h), 4],
];
const WEIGHTS = SHAPES.flatMap(([shape, n]) => Array.from({ length: n }, () => shape));

/** A deterministic generator, so that every bench run merges the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function writeRecordings(folder: string): number {
  const next = random(31);
  const perRun = Math.ceil(CONNECTIONS / RUNS);
  let bytes = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const started = Date.UTC(2026, 11, 1) + run * 3_600_000;
    const processes = Array.from({ length: PROCESSES_PER_RUN }, (_, p) => ({
      kind: 'local' as const,
      label: `app (pid ${1000 + p})`,
      pid: 1000 + run * 100 + p,
      startTime: String(started / 10 + p),
      name: p % 2 === 0 ? 'app' : 'curl',
    }));
    // One line per (host, shape, process) as a template; each connection gets its own id and time.
    const templates = new Map<string, ConnectionLine>();
    const lines: string[] = [
      JSON.stringify({
        type: 'proxy',
        listening: 'http://127.0.0.1:8080',
        ca: '/home/dev/.pinscope/ca.pem',
        startedAt: new Date(started).toISOString(),
        machine: `machine-${run % 7}`,
      }),
    ];
    for (let i = 0; i < perRun && run * perRun + i < CONNECTIONS; i += 1) {
      const host = `h${(run * 7 + Math.floor(next() * next() * HOSTS_PER_RUN)) % HOSTS}.example.test`;
      const shapeIndex = Math.floor(next() * WEIGHTS.length);
      const processIndex = Math.floor(next() * PROCESSES_PER_RUN);
      const key = `${host} ${shapeIndex} ${processIndex}`;
      let template = templates.get(key);
      if (!template) {
        const shape = WEIGHTS[shapeIndex] ?? transcripts.ok;
        const record = {
          ...shape(host, processIndex % 2 === 0 ? JA4_APP : JA4_CURL),
          client: { process: processes[processIndex] ?? { kind: 'unknown' as const, label: 'unknown' }, trust: null },
        };
        template = toConnectionLine(record, judgeConnection(record, noEvidence()));
        templates.set(key, template);
      }
      lines.push(JSON.stringify({ ...template, id: i + 1, startedAt: new Date(started + i * 50).toISOString() }));
    }
    const text = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(text);
    const sub = join(folder, `team-${run % 10}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `run-${String(run).padStart(3, '0')}.pinscope.jsonl`), text);
  }
  return bytes;
}

/** The child: merges the folder and prints what it merged, its time and its peak memory. */
async function mergeChild(folder: string): Promise<void> {
  const start = performance.now();
  const merged = await mergeRecordings(await recordingInputs([folder]));
  const ms = performance.now() - start;
  const usage = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      runs: merged.runs.length,
      connections: merged.connections,
      hosts: merged.hosts.length,
      ms,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      maxRssKb: usage.maxRSS,
    }),
  );
}

function main(): void {
  const folder = mkdtempSync(join(tmpdir(), 'pinscope-merge-bench-'));
  try {
    const generated = performance.now();
    const bytes = writeRecordings(folder);
    if (process.env['BENCH_MERGE_WRITE_ONLY']) {
      process.stdout.write(`${folder}\n`);
      return;
    }
    process.stderr.write(
      `merge bench: wrote ${RUNS} recordings, ${CONNECTIONS} connections, ${(bytes / 1024 / 1024).toFixed(0)} MiB in ${((performance.now() - generated) / 1000).toFixed(1)} s\n`,
    );
    const child = spawnSync(process.execPath, [__filename, '--merge', folder], { encoding: 'utf8', maxBuffer: 1024 * 1024 });
    if (child.status !== 0) throw new Error(`the merge failed: ${child.stderr}`);
    const result = JSON.parse(child.stdout) as {
      runs: number;
      connections: number;
      hosts: number;
      ms: number;
      cpuMs: number;
      maxRssKb: number;
    };
    if (result.connections !== CONNECTIONS || result.runs !== RUNS)
      throw new Error(`merged ${result.connections} connections in ${result.runs} runs, expected ${CONNECTIONS} in ${RUNS}`);
    const line = (metric: string, value: number, unit: string): void =>
      void process.stdout.write(
        `${JSON.stringify({ workload: 'merge', mode: `${RUNS} recordings, ${CONNECTIONS} connections, ${result.hosts} hosts`, metric, value: Math.round(value * 10) / 10, unit })}\n`,
      );
    line('wall time', result.ms / 1000, 's');
    line('CPU time', result.cpuMs / 1000, 's');
    line('load average (1 min) after', loadavg()[0] ?? 0, '');
    line('throughput', CONNECTIONS / (result.ms / 1000), 'connections/s');
    line('peak memory (RSS)', result.maxRssKb / 1024, 'MiB');
    line('input size', bytes / 1024 / 1024, 'MiB');
  } finally {
    if (!process.env['BENCH_MERGE_WRITE_ONLY']) rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--merge' && process.argv[3]) void mergeChild(process.argv[3]);
else main();
