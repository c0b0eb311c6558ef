/**
 * The words for each timeline event, in the three places people read them: a row's handshake strip
 * (`strip`, a few characters), the evidence report's one-line timeline (`report`), and the selected
 * connection's full timeline in the inspector (`timeline`). Events without a strip or report label
 * are left out of those.
 */
import type { TimelineEvent } from './timelineEvents';

export interface EventLabels {
  readonly strip: string | null;
  readonly report: string | null;
  readonly timeline: string;
}

function labels(strip: string | null, report: string | null, timeline: string): EventLabels {
  return { strip, report, timeline };
}

export function eventLabels(event: TimelineEvent): EventLabels {
  const kind = event.kind;
  switch (event.kind) {
    case 'client-hello':
      return labels('ClientHello', 'ClientHello', kind);
    case 'forged-certificate':
      return labels('our cert', 'forged certificate sent', kind);
    case 'handshake-complete':
      return labels('handshake', 'handshake completed', event.resumed ? `${kind} (resumed)` : kind);
    case 'client-alert':
      return labels(`alert ${event.name}`, `alert ${event.name}`, `${kind} ${event.name}`);
    case 'tls-error':
      return labels('TLS error', null, kind);
    case 'first-data':
      return labels(
        event.from === 'client' ? 'data' : 'data ↓',
        event.from === 'client' ? 'application data' : 'server data',
        `${kind} (${event.from})`,
      );
    case 'close-notify':
      return labels('close_notify', 'close_notify', `${kind} (${event.from})`);
    case 'fin':
      return labels(
        event.from === 'client' ? 'FIN' : 'FIN ↓',
        event.from === 'client' ? 'client FIN' : 'server FIN',
        `${kind} (${event.from})`,
      );
    case 'rst':
      return labels('RST', 'RST', `${kind} (${event.from})`);
    case 'timeout':
      return labels('silence', 'silence (timeout)', kind);
    case 'not-tls':
      return labels('not TLS', null, kind);
    case 'upstream-failed':
      return event.stage === 'client-certificate'
        ? labels('client cert required', 'server requires a client certificate', `${kind} (client certificate)`)
        : labels('upstream failed', 'server unreachable', kind);
    case 'upstream-tls':
      return labels(null, null, event.resumed ? `${kind} (resumed)` : kind);
    default:
      return labels(null, null, kind);
  }
}
