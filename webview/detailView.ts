/**
 * The selected connection: an upstream failure's reason first; the handshake as a sequence diagram
 * with the verdict, its evidence and the next step beside the moment it failed; the forged and the
 * real certificates side by side; the ClientHello as a table; the raw JSON behind a toggle. A section
 * with nothing to show has no heading.
 */
import { categoryLabel } from '../src/shared/categoryLabels';
import { cipherSuiteName } from '../src/shared/cipherSuites';
import type { CaptureState, ConnectionDetail, ConnectionRow } from '../src/shared/protocol';
import { findEvent, type CertificateSummary, type EventOf } from '../src/shared/timelineEvents';
import { isBreakage } from '../src/shared/vocabulary';
import { el } from './dom';
import { hostKey } from './hosts';
import { formatTime, hostActionButtons, pinningLabel, type HostActions } from './rowViews';
import { sequenceDiagram } from './sequenceDiagram';

/** Alerts a client sends when it does not trust the issuing CA (as opposed to a pinned key). */
const UNTRUSTED_CA_ALERTS: ReadonlySet<string> = new Set(['unknown_ca', 'bad_certificate', 'certificate_unknown']);

function button(label: string, action: string, onClick: () => void, primary = false): HTMLElement {
  const b = el('button', { class: primary ? 'primary' : 'secondary', type: 'button', 'data-action': action }, label);
  b.addEventListener('click', onClick);
  return b;
}

function copyable(text: string, label: string, action: string, actions: HostActions): HTMLElement {
  return el(
    'span',
    { class: 'copyable' },
    el('code', {}, text),
    button(`Copy ${label}`, action, () => actions.post({ type: 'copy', text })),
  );
}

function table(rows: readonly (readonly [string, Node | string | null])[], label: string): HTMLElement | null {
  const present = rows.filter((r): r is readonly [string, Node | string] => r[1] !== null && r[1] !== '');
  if (!present.length) return null;
  return el(
    'table',
    { class: 'facts', 'aria-label': label },
    el('tbody', {}, ...present.map(([name, value]) => el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, value)))),
  );
}

function section(title: string, cls: string, body: HTMLElement | null): HTMLElement[] {
  return body ? [el('section', { class: `section ${cls}` }, el('h3', {}, title), body)] : [];
}

/** "Open in Wireshark…": enabled when the connection's legs were captured, otherwise disabled and saying why. */
function wiresharkButton(id: number, capture: CaptureState | undefined, actions: HostActions): HTMLElement[] {
  if (!capture) return [];
  const b = button('Open in Wireshark…', 'wireshark', () => actions.post({ type: 'openInWireshark', ids: [id] }));
  if (capture.captured) b.title = 'Both legs of this connection as a pcapng, TLS secrets inside: they open decrypted';
  else {
    b.setAttribute('disabled', '');
    b.title = capture.why;
    b.setAttribute('aria-describedby', `capture-why-${id}`);
  }
  return [b];
}

/** The next step for this connection's failure, or none (an upstream failure is not the client's doing). */
function nextStep(row: ConnectionRow, alert: string | null, actions: HostActions): HTMLElement | null {
  if (!isBreakage(row.category)) return null;
  const host = hostKey(row);
  if (row.confirmed || (row.pinning === 'likely' && row.mode !== 'intercept')) {
    const chosen = actions.isChosen(host);
    return button(
      chosen ? 'In the exemption request ✓' : 'Add to exemption request',
      'next-exempt',
      () => actions.toggleChosen(host),
      true,
    );
  }
  if (row.pinning === 'unlikely' && row.category === 'cert-rejected' && alert !== null && UNTRUSTED_CA_ALERTS.has(alert)) {
    return button('Trust the Pinscope CA…', 'next-trust-ca', () => actions.post({ type: 'exportCa' }), true);
  }
  return button('Confirm by tunnelling', 'next-confirm', () => actions.post({ type: 'confirmHost', host }), true);
}

/** A certificate's names: inline when few, folded when many (a CDN's certificate lists hundreds); null for a recording made before SANs were recorded. */
function subjectAltNames(sans: readonly string[] | undefined, omitted: number | undefined): HTMLElement | string | null {
  if (!sans) return null;
  const more = omitted ? ` and ${omitted} more not recorded` : '';
  if (!sans.length) return `none${more}`;
  if (sans.length <= 3 && !more) return el('span', { class: 'sans' }, sans.join(', '));
  return el(
    'details',
    { class: 'sans' },
    el('summary', {}, `${sans.length} names${more}`),
    el('ul', {}, ...sans.map((name) => el('li', {}, name))),
  );
}

function certificateFacts(
  cert: Pick<CertificateSummary, 'subject' | 'issuer' | 'serialNumber' | 'pin' | 'sans' | 'sansOmitted'> &
    Partial<Pick<CertificateSummary, 'validFrom' | 'validTo'>>,
  actions: HostActions,
  action: string,
): HTMLElement | null {
  return table(
    [
      ['Subject', cert.subject],
      ['Issuer', cert.issuer],
      ['SANs', subjectAltNames(cert.sans, cert.sansOmitted)],
      ['Valid', cert.validFrom && cert.validTo ? `${cert.validFrom} – ${cert.validTo}` : null],
      ['Serial', cert.serialNumber],
      ['SPKI pin', copyable(`sha256/${cert.pin}`, 'pin', action, actions)],
    ],
    cert.subject,
  );
}

function certificates(
  forged: EventOf<'forged-certificate'> | undefined,
  upstream: EventOf<'upstream-tls'> | undefined,
  actions: HostActions,
): HTMLElement | null {
  const chain = upstream?.chain;
  if (!forged && !chain?.length) return null;
  const ours = forged
    ? el(
        'div',
        { class: 'cert-column', 'data-cert': 'forged' },
        el('h4', {}, `Our certificate (forged${forged.cached ? ', reused' : ''})`),
        certificateFacts(forged, actions, 'copy-forged-pin') ?? '',
      )
    : null;
  const real = chain?.length
    ? el(
        'div',
        { class: 'cert-column', 'data-cert': 'real' },
        el('h4', {}, `The server's chain (${chain.length})`),
        ...chain.map((cert, i) =>
          el(
            'div',
            { class: 'chain-cert' },
            el('h5', {}, i === 0 ? 'Leaf' : `Issuer ${i}`),
            certificateFacts(cert, actions, 'copy-pin') ?? '',
          ),
        ),
      )
    : upstream?.resumed
      ? el(
          'div',
          { class: 'cert-column', 'data-cert': 'real' },
          el('h4', {}, "The server's chain"),
          el('p', {}, 'not captured (resumed session)'),
        )
      : null;
  return el('div', { class: 'certs' }, ...(ours ? [ours] : []), ...(real ? [real] : []));
}

function clientHello(hello: EventOf<'client-hello'>['hello'] | undefined, actions: HostActions): HTMLElement | null {
  if (!hello) return null;
  const suites = hello.cipherSuites.length
    ? el(
        'details',
        { class: 'suites' },
        el('summary', {}, `${hello.cipherSuites.length} offered`),
        el('ol', {}, ...hello.cipherSuites.map((code) => el('li', {}, cipherSuiteName(code)))),
      )
    : null;
  return table(
    [
      ['SNI', hello.sni],
      ['ALPN', hello.alpn.join(', ')],
      ['Versions', hello.versions.join(', ')],
      ['Cipher suites', suites],
      ['JA3', hello.ja3 ? copyable(hello.ja3, 'JA3', 'copy-ja3', actions) : null],
      ['JA4', hello.ja4 ? copyable(hello.ja4, 'JA4', 'copy-ja4', actions) : null],
    ],
    'ClientHello',
  );
}

export function renderDetail(pane: HTMLElement, row: ConnectionRow, detail: ConnectionDetail | null, actions: HostActions): void {
  const host = hostKey(row);
  const broken = isBreakage(row.category);
  const failure = detail ? findEvent(detail.events, 'upstream-failed') : undefined;
  const verdictLine = `${categoryLabel(row.category)}${row.alert ? ` (${row.alert})` : ''}${pinningLabel(row.pinning, row.confirmed, broken) ? ` · ${pinningLabel(row.pinning, row.confirmed, broken)}` : ''}`;
  pane.append(
    el(
      'h3',
      { class: 'connection-title' },
      `Connection at ${formatTime(row.startedAt)} to ${host}:${row.port}${row.app ? ` from ${row.app}` : ''}`,
    ),
    ...(failure?.stage === 'client-certificate'
      ? [
          el(
            'div',
            { class: 'upstream-reason', role: 'alert' },
            el('strong', {}, 'The real server requires a client certificate (mutual TLS): '),
            failure.reason,
            el(
              'p',
              { class: 'muted' },
              "Inspection cannot present the app's certificate: this host needs an exemption. --client-cert (pinscope.clientCertificates) presents it, to test the rest of the app.",
            ),
          ),
        ]
      : failure
        ? [
            el(
              'div',
              { class: 'upstream-reason', role: 'alert' },
              el('strong', {}, `The real server could not be reached (${failure.stage}): `),
              failure.reason,
              el('p', { class: 'muted' }, 'This is not the client rejecting inspection, so it is not a case for an exemption.'),
            ),
          ]
        : []),
    el('p', { class: 'verdict-line' }, verdictLine),
    ...(detail?.pinnedAt?.length
      ? [
          el(
            'p',
            { class: 'pinned-at' },
            'Pinned in ',
            ...detail.pinnedAt.map((pin) =>
              button(`${pin.path}:${pin.line}`, 'open-pin', () => actions.post({ type: 'openPin', path: pin.path, line: pin.line })),
            ),
          ),
        ]
      : []),
    el(
      'div',
      { class: 'actions' },
      ...hostActionButtons(host, row.mode, broken && row.category !== null, row.confirmed, row.category === 'upstream-failed', actions),
      button('Copy host', 'copy-host', () => actions.post({ type: 'copy', text: host })),
      ...(detail ? [button('Copy JSON', 'copy-json', () => actions.post({ type: 'copy', text: JSON.stringify(detail, null, 2) }))] : []),
      ...wiresharkButton(row.id, detail?.capture, actions),
    ),
    ...(detail?.capture?.captured === false
      ? [el('p', { class: 'muted capture-note', id: `capture-why-${row.id}` }, `Open in Wireshark: ${detail.capture.why}`)]
      : []),
  );
  for (const b of pane.querySelectorAll('.row-action')) b.removeAttribute('tabindex');
  if (!detail) {
    pane.append(el('p', { class: 'muted' }, 'Loading…'));
    return;
  }
  const verdictWidth = pane.clientWidth >= 560 ? 212 : 0;
  const diagram = sequenceDiagram(detail.events, row.category, host, Math.max(260, pane.clientWidth - verdictWidth - 24));
  const alert = findEvent(detail.events, 'client-alert')?.name ?? row.alert;
  const step = nextStep(row, alert, actions);
  const verdict = el(
    'aside',
    { class: `verdict${broken ? ' broken' : ''}`, 'aria-label': 'Verdict' },
    el('h4', {}, diagram.failureY === null ? 'Verdict' : 'Failed here'),
    el('p', {}, detail.reason),
    ...(detail.evidence.length ? [el('ul', { class: 'evidence' }, ...detail.evidence.map((e) => el('li', {}, e)))] : []),
    ...(step ? [step] : []),
  );
  if (diagram.failureY !== null) verdict.style.setProperty('--failure-y', `${Math.max(0, diagram.failureY - 24)}px`);
  pane.append(
    el(
      'section',
      { class: 'section handshake' },
      el('h3', {}, 'Handshake'),
      el('div', { class: 'sequence-wrap' }, diagram.element, verdict),
    ),
    ...section('Process', 'process', detail.process ? el('ul', {}, ...detail.process.map((line) => el('li', {}, line))) : null),
    ...section(
      'Certificates',
      'certificates',
      certificates(findEvent(detail.events, 'forged-certificate'), findEvent(detail.events, 'upstream-tls'), actions),
    ),
    ...section('ClientHello', 'client-hello', clientHello(findEvent(detail.events, 'client-hello')?.hello, actions)),
    el(
      'details',
      { class: 'raw' },
      el('summary', {}, 'Raw events (JSON)'),
      el('pre', {}, detail.events.map((e) => JSON.stringify(e)).join('\n')),
    ),
  );
}
