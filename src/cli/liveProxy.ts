/** The session a CLI command runs (`proxy`, `run`): its proxy, its events file, live lines on stderr, a summary at the end. */
import { hostname } from 'node:os';
import { byHostName, isLoopbackAddress } from '../core/hostNames';
import { categoryCounts } from '../core/report/categoryCounts';
import { DEFAULT_CONFIRMATION } from '../core/diagnosis/confirmation';
import { humanLine, terminalSafe, type ConnectionLine } from '../core/report/connectionReport';
import { Session, type Listening, type ProxySettings } from '../core/session';
import type { HostSummary } from '../core/diagnosis/hostSummary';
import { EventsFile } from './eventsFile';
import { caWarningLines } from './caCommand';
import { withCapture } from '../core/report/capturedTraffic';

export interface LiveProxy {
  readonly session: Session;
  readonly listening: Listening;
  stop(): Promise<HostSummary[]>;
}

export async function startLiveProxy(
  options: ProxySettings,
  eventsTarget: string | undefined,
  confirmByTunnelling: boolean,
): Promise<LiveProxy> {
  const colour = process.stderr.isTTY && !process.env['NO_COLOR'];
  const report = (message: string): void => void process.stderr.write(`pinscope: ${terminalSafe(message)}\n`);
  // Opened before the proxy starts: a path that cannot be written is a bad flag (exit 2), not a later crash.
  const events = eventsTarget ? new EventsFile(eventsTarget, report) : undefined;
  const session = new Session({ confirmation: { ...DEFAULT_CONFIRMATION, enabled: confirmByTunnelling }, onError: report });
  let listening: Listening;
  try {
    listening = await session.start(options);
  } catch (error) {
    await events?.close();
    throw error;
  }
  events?.write({
    type: 'proxy',
    listening: listening.url,
    ca: listening.ca.certPath,
    startedAt: new Date().toISOString(),
    machine: hostname(),
  });
  session.onJudged.subscribe(({ line, update }) => {
    events?.write(update ? updateLine(line) : withCapture(line, session.captureOf(line.id)));
    process.stderr.write(`${humanLine(line, colour)}${update ? ' (updated: its process is known now)' : ''}\n`);
  });
  if (!isLoopbackAddress(listening.host)) {
    process.stderr.write(
      `pinscope: WARNING: listening on ${listening.host}: other machines can use this proxy and see intercepted traffic.\n`,
    );
    if (!(options.relayToLocalAddresses ?? false))
      process.stderr.write(
        "pinscope: it refuses to relay to loopback, unspecified and link-local addresses (this machine's own services), so that others cannot reach them through it.\n",
      );
  }
  process.stderr.write(
    `pinscope: listening on ${listening.url}\npinscope: process attribution: ${listening.attributionMethod}\npinscope: CA certificate ${listening.ca.certPath}${listening.ca.created ? ' (new)' : ''}\n`,
  );
  for (const line of caWarningLines(listening.ca)) process.stderr.write(`${line}\n`);
  process.stderr.write(
    `pinscope: route an app with HTTPS_PROXY=${listening.url} and trust the CA (e.g. NODE_EXTRA_CA_CERTS, SSL_CERT_FILE), or use 'pinscope run -- CMD'\n`,
  );
  return {
    session,
    listening,
    stop: async () => {
      // Every connection that closed is judged and written before the summary and the events file close; a
      // process lookup still running is waited for (bounded) and its answer lands as an update line.
      await session.stop();
      await new Promise((resolve) => setImmediate(resolve));
      const hosts = session.hosts();
      await events?.close();
      return hosts;
    },
  };
}

/**
 * The events line for a connection judged again once its process became known (its lookup answered
 * after the connection was announced): its id, the client, and the verdict that may have changed with it.
 */
export function updateLine(line: ConnectionLine): object {
  const { id, process, trust, category, alert, reason, pinning, confirmed, evidence, cause, fix, breaksOnlyUnderInspection } = line;
  return {
    type: 'connection-update',
    id,
    process,
    trust,
    category,
    alert,
    reason,
    pinning,
    confirmed,
    evidence,
    ...(cause !== undefined ? { cause, fix, breaksOnlyUnderInspection } : {}),
  };
}

export function formatSummary(hosts: readonly HostSummary[]): string {
  if (hosts.length === 0) return 'pinscope: no connections went through the proxy.\n';
  const rows = [...hosts]
    .sort((a, b) => Number(b.breaks) - Number(a.breaks) || byHostName(a, b))
    .map((h) => {
      const categories = categoryCounts(h.categories, 'compact');
      const unreachable = !h.breaks && h.categories.ok === undefined && h.categories['upstream-failed'] !== undefined;
      const verdict = h.breaks
        ? `BREAKS, pinning ${h.pinning}${h.confirmed ? ' (confirmed)' : ''}`
        : unreachable
          ? 'UNREACHABLE (the real server failed)'
          : 'ok';
      const apps =
        h.apps && h.apps.length > 0
          ? `  from ${terminalSafe(h.apps.slice(0, 3).join(', '))}${h.apps.length > 3 ? ` and ${h.apps.length - 3} more` : ''}`
          : '';
      const cause =
        h.breaks && h.cause && h.cause !== 'pinning'
          ? `\n      ${h.cause === 'ca-not-installed' ? 'not pinning: the CA is not installed where this app looks' : h.cause === 'app-own-trust-store' ? 'not pinning: the app brings its own trust store' : `cause: ${h.cause}`}${h.fix ? ` — ${terminalSafe(h.fix)}` : ''}`
          : '';
      return `  ${terminalSafe(h.host)}:${h.port}  ${verdict}  [${categories}]${apps}${cause}`;
    });
  return `pinscope: per-host summary\n${rows.join('\n')}\n`;
}
