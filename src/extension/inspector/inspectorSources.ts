/**
 * What an inspector panel shows: the live session (kept across Stop and Restart, with the proxy's
 * state and the hosts' modes), or a recording opened from a file (read-only, with what was skipped).
 */
import { breakageHeadline } from '../../core/diagnosis/hostSummary';
import { HostPatternList } from '../../core/proxy/hostPatterns';
import type { Recording } from '../../core/recording';
import type { SessionView } from '../../core/diagnosis/sessionView';
import type { HostMode, PinLocation, ProxyState } from '../../shared/protocol';
import type { PinscopeContext } from '../pinscopeContext';

interface Subscribable<T> {
  subscribe(listener: (value: T) => void): { dispose(): void };
}

export interface InspectorSource {
  readonly session: SessionView;
  /** Read-only sources (recordings) offer no tunnel, confirm, clear, start or stop. */
  readonly readOnly: boolean;
  /** The live channels, absent for a recording. */
  readonly live?: {
    readonly onEvent: Subscribable<{ readonly record: { readonly id: number } }>;
    readonly onJudged: Subscribable<{ readonly record: { readonly id: number } }>;
    readonly onCleared: Subscribable<void>;
    /** The proxy started or stopped, a host's mode changed. */
    readonly onStateChange: Subscribable<void>;
  };
  /** The header; `headline` is the breakage headline, computed at most once a second by the panel. */
  state(headline: string): ProxyState;
  /** Where the workspace pins this host. */
  pinnedAt(host: string): readonly PinLocation[];
}

export function liveSource(context: PinscopeContext): InspectorSource {
  const { controller } = context;
  const session = controller.session;
  return {
    session,
    readOnly: false,
    live: { onEvent: session.onEvent, onJudged: session.onJudged, onCleared: session.onCleared, onStateChange: controller.onDidChange },
    state: (headline) => {
      const engine = controller.engine;
      const failure = controller.startFailure;
      return {
        running: engine !== undefined,
        url: engine?.url ?? null,
        headline: engine || session.connectionsKept > 0 ? headline : 'Proxy stopped',
        dropped: session.connectionsDropped,
        kept: session.maxConnectionsKept,
        hostModes: hostModes(context),
        ...(failure && !engine ? { startError: failure.message } : {}),
      };
    },
    pinnedAt: (host) => context.pins.pinnedAt(host),
  };
}

export function recordingSource(context: PinscopeContext, recording: Recording, name: string): InspectorSource {
  return {
    session: recording,
    readOnly: true,
    state: (headline) => ({ running: false, url: null, headline, dropped: recording.connectionsDropped, kept: recording.maxConnectionsKept, recording: { name, skipped: recording.skipped } }),
    pinnedAt: (host) => context.pins.pinnedAt(host),
  };
}

export function headlineOf(session: SessionView): string {
  return breakageHeadline(session.liveHosts());
}

/** Hosts seen or chosen whose next connection is tunnelled, or intercepted by a choice that overrides a pattern. */
function hostModes(context: PinscopeContext): HostMode[] {
  const { controller } = context;
  const choices = controller.session.hostChoices;
  let patterns: HostPatternList | undefined;
  try {
    patterns = new HostPatternList(controller.engine?.tunnelHosts ?? context.settings.tunnelHosts);
  } catch {
    patterns = undefined;
  }
  const modes: HostMode[] = [...choices].map(([host, mode]) => ({ host, mode, source: 'session' }));
  const seen = new Set<string>(choices.keys());
  for (const { host } of controller.session.liveHosts()) {
    if (seen.has(host)) continue;
    seen.add(host);
    if (patterns?.match(host)) modes.push({ host, mode: 'tunnel', source: 'setting' });
  }
  return modes;
}
