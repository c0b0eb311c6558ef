/**
 * What happened to one connection, in one word (the `category`), decided from its timeline alone.
 * Pure: given these events, this category. The categories are defined in src/shared/vocabulary.ts;
 * docs/tls-failure-signals.md describes how real clients fail and what the proxy sees of it.
 */
import { findEvent, type EventOf, type TimelineEvent } from '../../shared/timelineEvents';
import type { Category } from '../../shared/vocabulary';
import { clientSentData, hasEvent, type ConnectionRecord } from '../timeline';
import { chainNote, pathMismatch } from './pathCauses';

/** Alerts that say "this certificate is not acceptable" rather than "we share no protocol". */
const CERTIFICATE_ALERTS: ReadonlySet<string> = new Set([
  'bad_certificate',
  'unsupported_certificate',
  'certificate_revoked',
  'certificate_expired',
  'certificate_unknown',
  'unknown_ca',
  'access_denied',
  'decrypt_error',
  'certificate_required',
]);

/** Alerts that say "we share no protocol version, cipher or extension". */
const MISMATCH_ALERTS: ReadonlySet<string> = new Set([
  'protocol_version',
  'insufficient_security',
  'handshake_failure',
  'inappropriate_fallback',
  'no_application_protocol',
]);

export interface Classification {
  readonly category: Category;
  /** The client's alert name when it sent one (`unknown_ca`, `bad_certificate`, …). */
  readonly alert: string | null;
  /** One sentence saying why, for people. */
  readonly reason: string;
}

const MISMATCH_CODES =
  /NO_SHARED_CIPHER|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW|WRONG_VERSION_NUMBER|NO_SUITABLE_SIGNATURE|NO_SHARED_SIGNATURE|NO_SUITABLE_KEY_SHARE/;

export function classify(record: Pick<ConnectionRecord, 'mode' | 'events'>): Classification {
  const classification = classifyTimeline(record);
  // Under an intermediate profile, a rejection says which pins it rules out (or cannot).
  const chain = CLIENT_REJECTIONS.has(classification.category) ? chainNote(record.events) : undefined;
  return chain ? { ...classification, reason: `${classification.reason}; ${chain}` } : classification;
}

/** Categories where the client turned the forged chain down. */
const CLIENT_REJECTIONS: ReadonlySet<Category> = new Set<Category>([
  'cert-rejected',
  'closed-after-handshake',
  'reset',
  'handshake-timeout',
]);

function classifyTimeline(record: Pick<ConnectionRecord, 'mode' | 'events'>): Classification {
  const events = record.events;
  const clientData = clientSentData(events);
  const anyData = hasEvent(events, 'first-data');
  const failed = findEvent(events, 'upstream-failed');
  if (record.mode === 'http') {
    if (failed) return { category: 'upstream-failed', alert: null, reason: failed.reason };
    return { category: 'ok', alert: null, reason: 'plain HTTP request forwarded' };
  }
  const notTls = findEvent(events, 'not-tls');
  // Before anything the client did: the server refused the session for want of a client certificate,
  // whether during the handshake (TLS 1.2) or after it, when the client's request may have flowed (TLS 1.3).
  const clientCertificate = events.find(
    (e): e is EventOf<'upstream-failed'> => e.kind === 'upstream-failed' && e.stage === 'client-certificate',
  );
  if (clientCertificate) return { category: 'client-cert-required', alert: null, reason: clientCertificate.reason };
  // An inspection profile's path that shares no TLS version or application protocol with the client:
  // whatever the client did next (an alert, a close, even bytes sent without a protocol), that is why.
  const mismatch = record.mode === 'intercept' ? pathMismatch(events) : undefined;
  if (mismatch) return { category: 'tls-mismatch', alert: findEvent(events, 'client-alert')?.name ?? null, reason: mismatch.reason };
  if (failed) return { category: 'upstream-failed', alert: null, reason: `${failed.stage}: ${failed.reason}` };
  if (notTls) return { category: 'not-tls', alert: null, reason: notTls.reason };
  const rst = events.find((e) => e.kind === 'rst' && e.from === 'client');
  if (record.mode === 'tunnel') {
    if (anyData) return { category: 'ok', alert: null, reason: 'tunnelled untouched; data flowed' };
    if (rst) return { category: 'reset', alert: null, reason: 'tunnelled; the client reset the connection before any data' };
    return { category: 'ok', alert: null, reason: 'tunnelled untouched; no data' };
  }
  const alert = findEvent(events, 'client-alert');
  if (alert) {
    if (MISMATCH_ALERTS.has(alert.name))
      return { category: 'tls-mismatch', alert: alert.name, reason: `the client sent a fatal ${alert.name} alert: no protocol in common` };
    const kind = CERTIFICATE_ALERTS.has(alert.name) ? 'rejected the forged certificate' : 'aborted the handshake';
    return { category: 'cert-rejected', alert: alert.name, reason: `the client ${kind} with a fatal ${alert.name} alert` };
  }
  const tlsError = findEvent(events, 'tls-error');
  if (tlsError && (MISMATCH_CODES.test(tlsError.code ?? '') || MISMATCH_CODES.test(tlsError.reason.toUpperCase().replace(/ /g, '_')))) {
    return { category: 'tls-mismatch', alert: null, reason: `no shared protocol version or cipher: ${tlsError.reason}` };
  }
  const completed = hasEvent(events, 'handshake-complete');
  const forged = hasEvent(events, 'forged-certificate');
  if (clientData) return { category: 'ok', alert: null, reason: 'application data flowed through the interception' };
  const closed = events.find(
    (e): e is Extract<TimelineEvent, { kind: 'fin' | 'close-notify' }> =>
      (e.kind === 'fin' || e.kind === 'close-notify') && e.from === 'client',
  );
  // A client that closes right after the handshake with bytes it has not read (an HTTP/2 server's
  // SETTINGS, relayed as soon as the handshake is done) is reset by its own kernel after its close: the
  // close it sent first is what it did, not a bare reset (curl, OkHttp's CertificatePinner and every
  // client that checks its pins after the handshake close this way).
  const closedBeforeReset = completed && closed !== undefined && rst !== undefined && events.indexOf(closed) < events.indexOf(rst);
  if (rst && !closedBeforeReset) {
    return {
      category: 'reset',
      alert: null,
      reason: completed
        ? 'the client reset the connection after the handshake, before any data'
        : forged
          ? 'the client reset the connection after receiving the forged certificate'
          : 'the client reset the connection before the proxy answered',
    };
  }
  const timeout = findEvent(events, 'timeout');
  if (timeout) {
    return {
      category: 'handshake-timeout',
      alert: null,
      reason: completed
        ? `the client went silent after the handshake (${timeout.phase} timeout)`
        : `the client went silent during the handshake (${timeout.phase} timeout)`,
    };
  }
  if (completed && closed) {
    return {
      category: 'closed-after-handshake',
      alert: null,
      reason: `the client completed the handshake, then closed (${closed.kind === 'close-notify' ? 'close_notify' : 'FIN'}) without sending any data${
        closedBeforeReset ? '; the reset that followed is its kernel discarding bytes it had not read' : ''
      }`,
    };
  }
  if (forged && closed) {
    return {
      category: 'closed-after-handshake',
      alert: null,
      reason: 'the client received the forged certificate, then closed (FIN) without an alert and without finishing the handshake',
    };
  }
  if (tlsError) return { category: 'tls-mismatch', alert: null, reason: `the TLS handshake failed: ${tlsError.reason}` };
  if (closed) return { category: 'reset', alert: null, reason: 'the client closed before the proxy answered its ClientHello' };
  return {
    category: 'handshake-timeout',
    alert: null,
    reason: 'the connection ended before the handshake finished, without a signal from the client',
  };
}
