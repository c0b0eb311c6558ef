/**
 * Where each proxy's one-shot latency goes, read from the wire: a loopback capture of W2 (BENCH_WIRE),
 * decoded by tshark, gives for every client connection to a proxy the time of each step since the
 * client's SYN — the proxy's answer to CONNECT, the ClientHello, the proxy's (forged) flight, the client's
 * Finished, the server side's handshake and the response — and the medians per proxy are printed. A
 * timed profile shows where a process spends CPU; this shows which of the steps a client waits for.
 *
 *   BENCH_WIRE=/tmp/w2.pcapng BENCH_ONLY=W2 BENCH_REPS=1 npm run bench     (root, tshark installed)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

interface Packet {
  readonly at: number;
  readonly stream: number;
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
  readonly syn: boolean;
  readonly ack: boolean;
  readonly end: boolean;
  readonly handshakes: readonly number[];
}

/** ms since the client's SYN; undefined when the step was not seen. */
type Steps = Partial<Record<Step, number>>;

const STEPS = ['ok', 'hello', 'flight', 'finished', 'server syn', 'server flight', 'server finished', 'response'] as const;
type Step = (typeof STEPS)[number];

/** Starts dumpcap on the loopback interface; resolves once it captures (its own line on stderr). */
export function startCapture(file: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', 'tcp', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    dumpcap.stderr.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('Capturing on')) resolve(dumpcap);
    });
    dumpcap.once('error', reject);
    dumpcap.once('exit', (code) => reject(new Error(`dumpcap exited ${code}: ${said.trim()}`)));
  });
}

export function stopCapture(dumpcap: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    dumpcap.removeAllListeners('exit');
    dumpcap.once('exit', () => resolve());
    dumpcap.kill('SIGINT');
  });
}

function packets(file: string, ports: readonly number[]): Packet[] {
  const fields = ['frame.time_epoch', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'tcp.flags.syn', 'tcp.flags.ack'];
  const more = ['tcp.flags.fin', 'tcp.flags.reset', 'tls.handshake.type'];
  const args = ['-r', file, '-o', 'tcp.desegment_tcp_streams:FALSE', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const port of ports) args.push('-d', `tcp.port==${port},tls`);
  for (const field of [...fields, ...more]) args.push('-e', field);
  const run = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`tshark failed: ${run.stderr || run.error?.message || run.status}`);
  const flag = (value: string | undefined): boolean => value === '1' || value === 'True';
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, stream, from, to, bytes, syn, ack, fin, reset, handshakes] = line.split('\t');
      return {
        at: Number(at) * 1000,
        stream: Number(stream),
        from: Number(from),
        to: Number(to),
        bytes: Number(bytes || 0),
        syn: flag(syn),
        ack: flag(ack),
        end: flag(fin) || flag(reset),
        handshakes: (handshakes ?? '').split(',').filter(Boolean).map(Number),
      };
    });
}

interface Conversation {
  hello?: number;
  flight?: number;
  finished?: number;
  /** The answerer's last bytes before the opener closed (the response, once the request is answered). */
  last?: number;
}

/** One TLS-over-TCP conversation's steps, ms after `since`, seen from the side that opened it (port `opener`). */
function conversation(stream: readonly Packet[], opener: number, since: number): Conversation {
  const out: Conversation = {};
  for (const p of stream) {
    if (p.from === opener && p.end) break;
    if (p.bytes === 0) continue;
    const at = p.at - since;
    if (p.from === opener) {
      if (out.hello === undefined && p.handshakes.includes(1)) out.hello = at;
      else if (out.flight !== undefined && out.finished === undefined) out.finished = at;
    } else {
      if (out.flight === undefined && p.handshakes.includes(2)) out.flight = at;
      out.last = at;
    }
  }
  return out;
}

/** The steps of every client connection to each named proxy port, and the server-side connection it made. */
function stepsOf(all: readonly Packet[], names: ReadonlyMap<number, string>, originPort: number): Map<string, Steps[]> {
  const streams = new Map<number, Packet[]>();
  for (const p of all) append(streams, p.stream, p);
  const opened = [...streams.values()].flatMap((stream) => {
    const syn = stream.find((p) => p.syn && !p.ack);
    return syn ? [{ stream, syn }] : [];
  });
  const toOrigin = opened.filter(({ syn }) => syn.to === originPort);
  const result = new Map<string, Steps[]>();
  for (const { stream, syn } of opened) {
    const name = names.get(syn.to);
    if (!name) continue;
    const since = syn.at;
    const until = stream.at(-1)?.at ?? since;
    const client = conversation(stream, syn.from, since);
    const ok = stream.find((p) => p.from === syn.to && p.bytes > 0);
    const steps: Steps = {
      ...(ok ? { ok: ok.at - since } : {}),
      ...(client.hello !== undefined ? { hello: client.hello } : {}),
      ...(client.flight !== undefined ? { flight: client.flight } : {}),
      ...(client.finished !== undefined ? { finished: client.finished } : {}),
      ...(client.last !== undefined ? { response: client.last } : {}),
    };
    // Connections are one at a time: the server side is the origin connection opened during this one.
    const servers = toOrigin.filter((o) => o.syn.at >= since && o.syn.at <= until && o.syn.from !== syn.from);
    const [server] = servers;
    if (server && servers.length === 1) {
      const side = conversation(server.stream, server.syn.from, since);
      steps['server syn'] = server.syn.at - since;
      if (side.flight !== undefined) steps['server flight'] = side.flight;
      if (side.finished !== undefined) steps['server finished'] = side.finished;
    }
    append(result, name, steps);
  }
  return result;
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const median = (values: readonly number[]): number | undefined => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor(sorted.length / 2)];
};

/** A Markdown table of the median time of each step, in ms since the client's SYN, per proxy. */
export function wirePhases(file: string, names: ReadonlyMap<number, string>, originPort: number): string {
  const byProxy = stepsOf(packets(file, [...names.keys(), originPort]), names, originPort);
  const rows = [...byProxy].map(([name, all]) => {
    const cells = STEPS.map((step) => {
      const value = median(all.flatMap((steps) => (steps[step] === undefined ? [] : [steps[step]])));
      return value === undefined ? '–' : value.toFixed(2);
    });
    return `| ${name} (${all.length}) | ${cells.join(' | ')} |`;
  });
  return [
    `Where the time goes, from the wire (${file}): median ms since the client's SYN`,
    '',
    `| proxy (connections) | ${STEPS.join(' | ')} |`,
    `| --- | ${STEPS.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}
