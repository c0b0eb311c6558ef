/**
 * What an inspector panel shows: the live session (kept across Stop and Restart, with the proxy's
 * state and the hosts' modes), or a recording opened from a file (read-only, with what was skipped).
 */
import { breakageHeadline } from '../../core/diagnosis/hostSummary';
import { HostPatternList } from '../../core/proxy/protocol/hostPatterns';
import type { Recording } from '../../core/recording';
import type { CapturedConnection } from '../../core/report/capturedTraffic';
import type { SkippedCapture } from '../../core/proxy/capturePolicy';
import type { SessionView } from '../../core/diagnosis/sessionView';
import type { HostMode, PinLocation, ProxyState } from '../../shared/protocol';
import type { PinscopeContext } from '../pinscopeContext';
import type { CaptureLookup } from './wiresharkExport';

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
  /** A connection's captured legs for "Open in Wireshark…", or why there are none. */
  readonly capture: CaptureLookup;
}

/** Why a connection the proxy did not intercept has no capture; undefined for an intercepted one. */
function notIntercepted(mode: string): string | undefined {
  if (mode === 'tunnel') return 'Tunnelled: its bytes were relayed untouched, and nothing was captured.';
  if (mode === 'http') return 'A plain HTTP request: there is no TLS to capture.';
  return undefined;
}

export function liveSource(context: PinscopeContext): InspectorSource {
  const { controller } = context;
  const session = controller.session;
  return {
    session,
    readOnly: false,
    live: { onEvent: session.onEvent, onJudged: session.onJudged, onCleared: session.onCleared, onStateChange: controller.onDidChange },
    state: (headline) => {
      const proxy = session.listening;
      const failure = controller.startFailure;
      return {
        running: proxy !== undefined,
        url: proxy?.url ?? null,
        headline: proxy || session.connectionsKept > 0 ? headline : 'Proxy stopped',
        dropped: session.connectionsDropped,
        kept: session.maxConnectionsKept,
        hostModes: hostModes(context),
        ...(failure && !proxy ? { startError: failure.message } : {}),
      };
    },
    pinnedAt: (host) => context.pins.pinnedAt(host),
    capture: (record) => {
      const skipped = notIntercepted(record.mode);
      if (skipped) return skipped;
      const captured = session.captureOf(record.id);
      if (captured) return captured;
      const why = session.captureSkipped(record.id);
      if (why) return NOT_CAPTURED[why];
      if (!session.listening) return 'Not recorded: captures are kept in memory by the running proxy, and it is stopped.';
      if (captureOff(context))
        return 'Capture is off: set pinscope.captureBytes (65536 keeps the first 64 KiB each way), restart the proxy and connect again.';
      return 'Not recorded: the connection came before the proxy was last started, or its capture was dropped to stay within the memory bound.';
    },
  };
}

const NOT_CAPTURED: Record<SkippedCapture, string> = {
  accepted:
    'Not captured: its client process had already accepted the interception of this host with the same ClientHello, so it repeats a connection seen working. A host is captured until its client has been seen accepting it (and again after any failure): its first connections are the ones to export.',
  burst:
    'Not captured: it opened while two other connections to this host with the same ClientHello were being captured (of its client process, or, before the processes were identified, of any): export one of them. When one left out like this fails, the next connection is captured.',
};

function captureOff(context: PinscopeContext): boolean {
  try {
    return context.settings.captureBytes === 0;
  } catch {
    // An invalid value: the proxy did not start with it.
    return false;
  }
}

/** The captures a recording carries, by connection id. */
export interface RecordingCaptures {
  get(id: number): CapturedConnection | undefined;
}

export function recordingSource(
  context: PinscopeContext,
  recording: Recording,
  name: string,
  captures: RecordingCaptures = new Map(),
): InspectorSource {
  return {
    session: recording,
    readOnly: true,
    state: (headline) => ({
      running: false,
      url: null,
      headline,
      dropped: recording.connectionsDropped,
      kept: recording.maxConnectionsKept,
      recording: { name, skipped: recording.skipped },
    }),
    pinnedAt: (host) => context.pins.pinnedAt(host),
    capture: (record) =>
      notIntercepted(record.mode) ??
      captures.get(record.id) ??
      'Not in this recording: it was made with capture off (pinscope.captureBytes, --capture-bytes), it repeated a connection its client had accepted (only the first are captured), or its capture was no longer kept when it was saved.',
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
    patterns = new HostPatternList(controller.session.tunnelHosts ?? context.settings.tunnelHosts);
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
