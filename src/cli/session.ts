/** Runs the engine for a CLI command: events file, live lines on stderr, a summary at the end. */
import { DEFAULT_CONFIRMATION } from '../core/confirmation';
import { humanLine, terminalSafe } from '../core/connectionReport';
import { Engine } from '../core/engine';
import type { HostSummary } from '../core/hostSummary';
import type { ProxyOptions } from '../core/proxyServer';
import { EventsFile } from './eventsFile';
import { caWarningLines } from './caCommand';

export interface CliSession {
  readonly engine: Engine;
  stop(): Promise<HostSummary[]>;
}

export async function startCliSession(options: ProxyOptions, eventsTarget: string | undefined, autoConfirm: boolean): Promise<CliSession> {
  const colour = process.stderr.isTTY && !process.env['NO_COLOR'];
  const report = (message: string): void => void process.stderr.write(`pinscope: ${terminalSafe(message)}\n`);
  // Opened before the proxy starts: a path that cannot be written is a bad flag (exit 2), not a later crash.
  const events = eventsTarget ? new EventsFile(eventsTarget, report) : undefined;
  let engine: Engine;
  try {
    engine = await Engine.start({ ...options, confirmation: { ...DEFAULT_CONFIRMATION, enabled: autoConfirm }, onError: report });
  } catch (error) {
    await events?.close();
    throw error;
  }
  events?.write({ type: 'proxy', listening: engine.proxy.url, ca: engine.proxy.ca.certPath, startedAt: new Date().toISOString() });
  engine.onJudged.subscribe(({ line }) => {
    events?.write(line);
    process.stderr.write(`${humanLine(line, colour)}\n`);
  });
  if (engine.proxy.host !== '127.0.0.1' && engine.proxy.host !== '::1' && engine.proxy.host !== 'localhost') {
    process.stderr.write(`pinscope: WARNING: listening on ${engine.proxy.host}: other machines can use this proxy and see intercepted traffic.\n`);
    if (!(options.relayToLocalAddresses ?? false)) process.stderr.write('pinscope: it refuses to relay to loopback, unspecified and link-local addresses (this machine\'s own services), so that others cannot reach them through it.\n');
  }
  process.stderr.write(`pinscope: listening on ${engine.proxy.url}\npinscope: CA certificate ${engine.proxy.ca.certPath}${engine.proxy.ca.created ? ' (new)' : ''}\n`);
  for (const line of caWarningLines(engine.proxy.ca)) process.stderr.write(`${line}\n`);
  process.stderr.write(`pinscope: route an app with HTTPS_PROXY=${engine.proxy.url} and trust the CA (e.g. NODE_EXTRA_CA_CERTS, SSL_CERT_FILE), or use 'pinscope run -- CMD'\n`);
  return {
    engine,
    stop: async () => {
      const hosts = engine.hosts();
      await engine.stop();
      await events?.close();
      return hosts;
    },
  };
}

export function formatSummary(hosts: readonly HostSummary[]): string {
  if (hosts.length === 0) return 'pinscope: no connections went through the proxy.\n';
  const rows = [...hosts].sort((a, b) => Number(b.breaks) - Number(a.breaks) || a.host.localeCompare(b.host)).map((h) => {
    const categories = Object.entries(h.categories).map(([c, n]) => `${c}×${n}`).join(' ');
    const unreachable = !h.breaks && h.categories.ok === undefined && h.categories['upstream-failed'] !== undefined;
    const verdict = h.breaks ? `BREAKS, pinning ${h.pinning}${h.confirmed ? ' (confirmed)' : ''}` : unreachable ? 'UNREACHABLE (the real server failed)' : 'ok';
    return `  ${terminalSafe(h.host)}:${h.port}  ${verdict}  [${categories}]`;
  });
  return `pinscope: per-host summary\n${rows.join('\n')}\n`;
}
