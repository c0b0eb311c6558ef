/**
 * The selected connection's handshake as a sequence diagram: three lanes (client, Pinscope, real
 * server), every recorded message an arrow at its time. Vertical positions follow the time scale,
 * with a minimum gap so that labels never overlap and a maximum one so that idle time (a client
 * waiting out a timeout) is drawn as a marked break, not as empty space; every arrow carries its time
 * in ms. Each label has a row of its own, so it may run past its arrow's lanes instead of being cut. Built with
 * SVG DOM calls and `textContent` only: hostnames and alert names come off the network.
 */
import type { ConnectionRow } from '../src/shared/protocol';
import type { TimelineEvent } from '../src/shared/timelineEvents';

const SVG = 'http://www.w3.org/2000/svg';
type Lane = 'client' | 'proxy' | 'server';
const LANE_X: Readonly<Record<Lane, number>> = { client: 20, proxy: 53, server: 86 };
const TOP = 48;
const MIN_GAP = 26;
/** Gaps longer than this are idle time, drawn compressed with its duration. */
const MAX_GAP = 64;
const SCALE_HEIGHT = 300;
/** Where the ms column ends, in % of the width. */
const MS_COLUMN = 17;
/** Roughly the width of one character of an 11 px label, to keep labels inside their lanes. */
const CHAR_PX = 6.6;

interface Message {
  readonly from: Lane;
  /** Equal to `from` for a note on one lane (a timeout, a decision). */
  readonly to: Lane;
  readonly label: string;
  readonly tone: 'normal' | 'bad' | 'good' | 'close';
  readonly event: TimelineEvent;
  /** Lost on the way (the server never answered): drawn dashed, ending in a cross. */
  readonly lost?: boolean;
}

function side(from: 'client' | 'upstream'): Lane {
  return from === 'client' ? 'client' : 'server';
}

/** What each event means on the wire, as an arrow between lanes; `null` for bookkeeping events. */
function messageOf(event: TimelineEvent): Message | null {
  const m = (from: Lane, to: Lane, label: string, tone: Message['tone'] = 'normal', lost = false): Message => ({
    from,
    to,
    label,
    tone,
    event,
    ...(lost ? { lost } : {}),
  });
  switch (event.kind) {
    case 'accepted':
      return m('client', 'proxy', 'TCP connect');
    case 'connect':
      return m('client', 'proxy', `CONNECT ${event.host}:${event.port}`);
    case 'http-request':
      return m('client', 'proxy', `${event.method} ${event.url}`);
    case 'policy':
      return m('proxy', 'proxy', event.mode === 'intercept' ? 'decides: intercept' : `decides: ${event.mode}`);
    case 'client-hello':
      return m('client', 'proxy', `ClientHello${event.hello.sni ? ` (SNI ${event.hello.sni})` : ' (no SNI)'}`);
    case 'not-tls':
      return m('client', 'proxy', 'not TLS', 'bad');
    case 'upstream-connected':
      return m('proxy', 'server', `TCP connect ${event.address}`);
    case 'upstream-tls':
      return m(
        'server',
        'proxy',
        event.resumed ? `resumed session (${event.version})` : `server's certificate (${event.chain[0]?.subject ?? 'no chain'})`,
        'good',
      );
    case 'upstream-failed':
      return m('proxy', 'server', `failed: ${event.stage}`, 'bad', true);
    case 'forged-certificate':
      return m('proxy', 'client', `our certificate (${event.subject})`);
    case 'client-alert':
      return m('client', 'proxy', `alert ${event.name}`, 'bad');
    case 'tls-error':
      return m('proxy', 'proxy', `TLS error${event.code ? ` ${event.code}` : ''}`, 'bad');
    case 'handshake-complete':
      return m('client', 'proxy', event.resumed ? `Finished (resumed session, ${event.version})` : `Finished (${event.version})`, 'good');
    case 'first-data':
      return event.from === 'client'
        ? m('client', 'server', `first application data (${event.bytes} B)`, 'good')
        : m('server', 'client', `first application data ↩ (${event.bytes} B)`, 'good');
    case 'close-notify':
      return m(side(event.from), 'proxy', 'close_notify', 'close');
    case 'fin':
      return m(side(event.from), 'proxy', 'FIN', 'close');
    case 'rst':
      return m(side(event.from), 'proxy', 'RST', 'bad');
    case 'timeout':
      return m('proxy', 'proxy', `timeout (${event.phase})`, 'bad');
    case 'error':
      return m('proxy', 'proxy', 'error', 'bad');
    case 'closed':
      return m('proxy', 'proxy', `closed (↑${event.bytesFromClient} B ↓${event.bytesToClient} B)`, 'close');
  }
}

/** The index of the event where the connection failed, from what its category says failed. */
function failureIndex(events: readonly TimelineEvent[], category: ConnectionRow['category']): number {
  const handshakeAt = events.findIndex((e) => e.kind === 'handshake-complete');
  const first = (test: (e: TimelineEvent, i: number) => boolean): number => events.findIndex(test);
  switch (category) {
    case 'cert-rejected':
    case 'tls-mismatch':
      return first((e) => e.kind === 'client-alert' || e.kind === 'tls-error');
    case 'closed-after-handshake':
      return first((e, i) => i > handshakeAt && (e.kind === 'close-notify' || e.kind === 'fin' || e.kind === 'rst') && e.from === 'client');
    case 'reset':
      return first((e) => e.kind === 'rst');
    case 'handshake-timeout':
      return first((e) => e.kind === 'timeout');
    case 'upstream-failed':
      return first((e) => e.kind === 'upstream-failed');
    default:
      return -1;
  }
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string | number>>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface Diagram {
  readonly element: SVGSVGElement;
  /** The y of the failure's arrow, for placing the verdict beside it; null if nothing failed. */
  readonly failureY: number | null;
}

/** Lanes sit at fixed percentages of the width, so the diagram fills its pane and is never cut. */
export function sequenceDiagram(
  events: readonly TimelineEvent[],
  category: ConnectionRow['category'],
  serverName: string,
  width: number,
): Diagram {
  const charsIn = (percent: number): number => Math.max(12, Math.floor((width * percent) / 100 / CHAR_PX));
  const maxLabel = charsIn(44);
  const messages = events
    .map((event, index) => ({ index, message: messageOf(event) }))
    .filter((x): x is { index: number; message: Message } => x.message !== null);
  const end = Math.max(1, ...events.map((e) => e.t));
  // The scale of the busy part: idle gaps (over a quarter of the whole) do not squeeze it.
  const busy = messages.reduce((sum, { message }, i) => {
    const gap = message.event.t - (messages[i - 1]?.message.event.t ?? 0);
    return sum + (gap > end / 4 && messages.length > 2 ? 0 : gap);
  }, 0);
  const scale = SCALE_HEIGHT / Math.max(1, busy);
  const failed = failureIndex(events, category);
  const ys: number[] = [];
  const idle: { from: number; to: number; ms: number }[] = [];
  let y = TOP - MIN_GAP;
  let previousT = 0;
  for (const [i, { message }] of messages.entries()) {
    const gap = (message.event.t - previousT) * scale;
    const step = i === 0 ? MIN_GAP : Math.min(MAX_GAP, Math.max(MIN_GAP, gap));
    if (i > 0 && gap > MAX_GAP * 1.5) idle.push({ from: y, to: y + step, ms: message.event.t - previousT });
    y += step;
    ys.push(y);
    previousT = message.event.t;
  }
  const height = y + 30;
  const root = svg('svg', {
    class: 'sequence',
    width: '100%',
    height,
    role: 'img',
    'aria-label': `Handshake sequence, ${messages.length} messages over ${end.toFixed(1)} ms`,
  });
  root.append(svg('title', {}, `Handshake of ${serverName}: client, Pinscope, real server`));
  const defs = svg('defs', {});
  for (const tone of ['normal', 'bad', 'good', 'close'] as const) {
    const marker = svg('marker', {
      id: `arrow-${tone}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `head tone-${tone}` }));
    defs.append(marker);
  }
  root.append(defs);
  const lanes: readonly [Lane, string][] = [
    ['client', 'client'],
    ['proxy', 'Pinscope'],
    ['server', shorten(serverName, Math.floor(maxLabel / 2))],
  ];
  for (const [lane, name] of lanes) {
    root.append(
      svg('text', { x: `${LANE_X[lane]}%`, y: 18, class: 'lane-name', 'text-anchor': 'middle' }, lane === 'server' ? `real server` : name),
    );
    if (lane === 'server') root.append(svg('text', { x: '99%', y: 32, class: 'lane-sub', 'text-anchor': 'end' }, name));
    root.append(svg('line', { x1: `${LANE_X[lane]}%`, x2: `${LANE_X[lane]}%`, y1: 38, y2: height - 8, class: 'lifeline' }));
  }
  for (const gap of idle) {
    const middle = (gap.from + gap.to) / 2;
    const group = svg('g', { class: 'idle' });
    group.append(
      svg('line', { x1: `${MS_COLUMN}%`, x2: '99%', y1: middle - 3, y2: middle - 3, class: 'idle-break' }),
      svg('line', { x1: `${MS_COLUMN}%`, x2: '99%', y1: middle + 3, y2: middle + 3, class: 'idle-break' }),
      svg(
        'text',
        { x: 2, y: middle + 4, class: 'ms idle-label' },
        `⋯ ${gap.ms >= 1000 ? `${(gap.ms / 1000).toFixed(1)} s` : `${Math.round(gap.ms)} ms`}`,
      ),
    );
    root.append(group);
  }
  let previousY = TOP;
  messages.forEach(({ index, message }, i) => {
    const at = ys[i] ?? TOP;
    const group = svg('g', { class: `message tone-${message.tone}${index === failed ? ' failed' : ''}`, 'data-kind': message.event.kind });
    group.append(svg('text', { x: 2, y: at + 4, class: 'ms' }, `${message.event.t.toFixed(1)} ms`));
    if (message.event.kind === 'timeout' && at - previousY > 8) {
      group.append(svg('line', { x1: `${LANE_X.client}%`, x2: `${LANE_X.client}%`, y1: previousY + 4, y2: at - 4, class: 'silence' }));
      group.append(svg('text', { x: `${LANE_X.client + 1}%`, y: (previousY + at) / 2 + 4, class: 'label silence-label' }, 'silence'));
    }
    const x1 = LANE_X[message.from];
    const x2 = LANE_X[message.to];
    if (x1 === x2) {
      group.append(svg('rect', { x: `${x1 - 1}%`, y: at - 5, width: '2%', height: 10, class: 'note-mark' }));
      group.append(svg('text', { x: `${x1 + 2}%`, y: at + 4, class: 'label' }, shorten(message.label, charsIn(97 - x1))));
    } else {
      const inset = x2 > x1 ? 0.6 : -0.6;
      group.append(
        svg('line', {
          x1: `${x1 + inset}%`,
          x2: `${x2 - inset}%`,
          y1: at,
          y2: at,
          class: `arrow${message.lost ? ' lost' : ''}`,
          'marker-end': `url(#arrow-${message.tone})`,
        }),
      );
      if (message.lost) group.append(svg('text', { x: `${x2 - inset * 3}%`, y: at + 5, class: 'lost-mark', 'text-anchor': 'middle' }, '✕'));
      // A label has its row to itself: from the client's lane rightwards, else ending at the right edge.
      const fromClient = Math.min(x1, x2) === LANE_X.client;
      const label = fromClient
        ? svg('text', { x: `${LANE_X.client + 1}%`, y: at - 5, class: 'label' }, shorten(message.label, charsIn(97 - LANE_X.client)))
        : svg('text', { x: '99%', y: at - 5, class: 'label', 'text-anchor': 'end' }, shorten(message.label, charsIn(98 - MS_COLUMN)));
      group.append(label);
    }
    group.append(svg('title', {}, `${message.label} at ${message.event.t.toFixed(1)} ms`));
    if (index === failed) group.append(svg('circle', { cx: `${x1}%`, cy: at, r: 7, class: 'failure-mark' }));
    root.append(group);
    previousY = at;
  });
  const failedAt = messages.findIndex((x) => x.index === failed);
  return { element: root, failureY: failedAt >= 0 ? (ys[failedAt] ?? null) : null };
}
