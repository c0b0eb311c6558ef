/**
 * The known shape of a recorded connection's events and process, as readers: a recording is a file from
 * anywhere, so what is read keeps only the fields the types declare (an unknown field, however large or
 * deeply nested, is dropped without being walked) and checks each one's type. The tables below are typed
 * against `TimelineEvent` and `ProcessRecord`: a field added to a type, or a field of the wrong kind,
 * fails to compile until it is listed here with its reader, so the allow-list cannot drift from the types.
 */
import type {
  CertificateSummary,
  ClientHelloSummary,
  Direction,
  EventKind,
  EventOf,
  InspectionPathSummary,
  TimelineEvent,
  UpstreamFailureStage,
} from '../../shared/timelineEvents';
import type { Mode } from '../../shared/vocabulary';
import type { ProcessRecord } from '../record/client';

/** Why a value could not be read: the dotted path of the field that is not what its type says. */
export class Malformed {
  constructor(readonly path: string) {}
  within(parent: string): Malformed {
    return new Malformed(this.path === '' ? parent : `${parent}.${this.path}`);
  }
}

type Reader<T> = (value: unknown) => T | Malformed;
interface Optional<T> {
  readonly optional: Reader<T>;
}

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
/** One reader per field of T, every field listed: optional fields with `optional(…)`. */
type Fields<T> = { readonly [K in keyof T]-?: K extends OptionalKeys<T> ? Optional<Exclude<T[K], undefined>> : Reader<T[K]> };

const malformed = new Malformed('');
const string: Reader<string> = (v) => (typeof v === 'string' ? v : malformed);
const number: Reader<number> = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : malformed);
const boolean: Reader<boolean> = (v) => (typeof v === 'boolean' ? v : malformed);
/** One of a union's literals, every one of them named (a Record over the union: a missing one fails to compile). */
const oneOf = <T extends string | boolean>(values: Record<Extract<T, string>, true> | readonly T[]): Reader<T> => {
  const allowed = new Set<unknown>(Array.isArray(values) ? values : Object.keys(values));
  return (v) => (allowed.has(v) ? (v as T) : malformed);
};
const nullable =
  <T>(read: Reader<T>): Reader<T | null> =>
  (v) =>
    v === null ? null : read(v);
const optional = <T>(read: Reader<T>): Optional<T> => ({ optional: read });

function listOf<T>(read: Reader<T>, max = Number.POSITIVE_INFINITY): Reader<readonly T[]> {
  return (v) => {
    if (!Array.isArray(v) || v.length > max) return malformed;
    const items: T[] = [];
    for (const [index, item] of v.entries()) {
      const got = read(item);
      if (got instanceof Malformed) return got.within(String(index));
      items.push(got);
    }
    return items;
  };
}

const pair =
  <T>(read: Reader<T>): Reader<readonly [T, T]> =>
  (v) => {
    const items = listOf(read, 2)(v);
    return items instanceof Malformed || items.length !== 2 ? malformed : [items[0] as T, items[1] as T];
  };

/** The fields of `fields` only, each read by its reader; absent optional fields stay absent. */
function fieldsOf<T>(fields: Fields<T>, v: Record<string, unknown>): T | Malformed {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries<Reader<unknown> | Optional<unknown>>(fields)) {
    const value = Object.hasOwn(v, key) ? v[key] : undefined;
    const isOptional = typeof spec !== 'function';
    if (isOptional && value === undefined) continue;
    const got = (isOptional ? spec.optional : spec)(value);
    if (got instanceof Malformed) return got.within(key);
    out[key] = got;
  }
  return out as T;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const object =
  <T>(fields: Fields<T>): Reader<T> =>
  (v) =>
    isObject(v) ? fieldsOf(fields, v) : malformed;

const MODES = oneOf<Mode>({ intercept: true, tunnel: true, http: true });
const DIRECTION = oneOf<Direction>({ client: true, upstream: true });
const STAGES = oneOf<UpstreamFailureStage>({
  dns: true,
  connect: true,
  timeout: true,
  tls: true,
  certificate: true,
  proxy: true,
  closed: true,
  'client-certificate': true,
});

/** A SAN list is at most 100 names (the recorder keeps that many), each a short one. */
const sans = listOf((v) => (typeof v === 'string' && v.length <= 300 ? v : malformed), 100);

const certificate = object<CertificateSummary>({
  subject: string,
  issuer: string,
  validFrom: string,
  validTo: string,
  serialNumber: string,
  pin: string,
  sans: optional(sans),
  sansOmitted: optional(number),
});
const hello = object<ClientHelloSummary>({
  sni: nullable(string),
  alpn: listOf(string),
  versions: listOf(string),
  cipherSuites: listOf(number),
  ja3: string,
  ja4: string,
});
const path = object<InspectionPathSummary>({
  profile: string,
  chainLength: number,
  tlsVersions: pair(string),
  alpnWithheld: listOf(string),
});

type EventFields = { readonly [K in EventKind]: Fields<Omit<EventOf<K>, 't' | 'kind'>> };

/** Every event kind and its fields (besides `t` and `kind`). */
const EVENT_FIELDS: EventFields = {
  accepted: { remote: string },
  connect: { host: string, port: number },
  'http-request': { method: string, url: string },
  policy: { mode: MODES, reason: string },
  'client-hello': { hello },
  'not-tls': { firstBytes: string, reason: string },
  'upstream-connected': { address: string },
  'upstream-tls': { version: string, alpn: nullable(string), chain: listOf(certificate), resumed: optional(oneOf<true>([true])) },
  'upstream-failed': { stage: STAGES, reason: string },
  'forged-certificate': {
    subject: string,
    issuer: string,
    pin: string,
    serialNumber: string,
    cached: boolean,
    sans: optional(sans),
    validFrom: optional(string),
    validTo: optional(string),
    path: optional(path),
  },
  'client-alert': { name: string, code: nullable(number), message: string },
  'tls-error': { reason: string, code: nullable(string) },
  'handshake-complete': { version: string, cipher: string, alpn: nullable(string), resumed: optional(oneOf<true>([true])) },
  'first-data': { from: DIRECTION, bytes: number },
  'close-notify': { from: DIRECTION },
  fin: { from: DIRECTION },
  rst: { from: DIRECTION },
  timeout: { phase: oneOf<'first-bytes' | 'handshake' | 'idle'>({ 'first-bytes': true, handshake: true, idle: true }) },
  error: { reason: string },
  closed: { bytesFromClient: number, bytesToClient: number },
};

/** Whether `kind` names an event this version knows (a newer version's events are left out). */
export function isKnownEventKind(kind: unknown): kind is EventKind {
  return typeof kind === 'string' && Object.hasOwn(EVENT_FIELDS, kind);
}

/** The event with its known fields only, or why it cannot be read; `event.kind` is a known kind. */
export function readEvent(event: Record<string, unknown> & { readonly kind: EventKind; readonly t: number }): TimelineEvent | Malformed {
  const fields = fieldsOf<Record<string, unknown>>(EVENT_FIELDS[event.kind] as Fields<Record<string, unknown>>, event);
  return fields instanceof Malformed ? fields : ({ t: event.t, kind: event.kind, ...fields } as TimelineEvent);
}

/** A recorded process with its known fields only (which fields a kind requires is the reader's to check). */
export const readProcessFields = object<ProcessRecord>({
  kind: oneOf<ProcessRecord['kind']>({ local: true, remote: true, unknown: true }),
  label: string,
  pid: optional(number),
  startTime: optional(string),
  name: optional(string),
  path: optional(nullable(string)),
  command: optional(string),
  app: optional(nullable(string)),
  address: optional(string),
  reason: optional(string),
});
