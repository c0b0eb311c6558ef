/**
 * Hosts that need no exemption request, or that their owner asks not to inspect: a dated data file
 * (data/knownBypasses.json) of what vendors and service owners publish, each entry with its source.
 * `vendor-default` entries are bypassed by that vendor out of the box (no request needed there);
 * `owner-guidance` entries are the service owner's own word that inspection breaks them.
 */
import { isIP } from 'node:net';
import data from './data/knownBypasses.json';
import type { Product } from './vendors/vendorFormat';

type BypassKind = 'vendor-default' | 'owner-guidance';
/** exact: the host itself; subdomains: any depth below (not the apex); one-label: exactly one label below (PAN-OS `*`). */
type BypassMatch = 'exact' | 'subdomains' | 'one-label';

export interface KnownBypass {
  readonly vendor: string;
  readonly kind: BypassKind;
  readonly pattern: string;
  readonly match: BypassMatch;
  /** The part of the source page that lists it (e.g. Apple's "Device setup"), when the page has parts. */
  readonly section?: string;
  readonly note: string;
  readonly source: string;
  readonly retrieved: string;
  readonly uncertain: boolean;
}

interface UnlistedBypass {
  readonly vendor: string;
  readonly what: string;
  readonly source: string;
  readonly retrieved: string;
}

export interface KnownBypassFile {
  readonly updated: string;
  readonly about: string;
  readonly entries: readonly KnownBypass[];
  readonly unlisted: readonly UnlistedBypass[];
}

export class BypassFileError extends Error {
  override name = 'BypassFileError';
}

/** The vendors whose `vendor-default` entries stand for a product a snippet is written for. */
const VENDOR_PRODUCT: Readonly<Record<string, Product>> = {
  zscaler: 'zscaler',
  paloalto: 'paloalto',
  netskope: 'netskope',
  cloudflare: 'cloudflare',
  fortinet: 'fortinet',
  microsoft: 'microsoft-entra',
};
const VENDOR_TITLE: Readonly<Record<string, string>> = {
  zscaler: 'Zscaler',
  paloalto: 'Palo Alto Networks',
  netskope: 'Netskope',
  cloudflare: 'Cloudflare',
  fortinet: 'Fortinet',
  microsoft: 'Microsoft',
  apple: 'Apple',
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function vendorTitle(vendor: string): string {
  return VENDOR_TITLE[vendor] ?? vendor;
}

function text(value: unknown, where: string, field: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === ''))
    throw new BypassFileError(`${where}: "${field}" must be a non-empty string`);
  return value;
}

function validEntry(raw: unknown, index: number): KnownBypass {
  const where = `entries[${index}]`;
  if (typeof raw !== 'object' || raw === null) throw new BypassFileError(`${where}: not an object`);
  const r = raw as Record<string, unknown>;
  const vendor = text(r['vendor'], where, 'vendor');
  if (!/^[a-z0-9-]+$/.test(vendor)) throw new BypassFileError(`${where}: vendor "${vendor}" must be lowercase letters, digits and dashes`);
  const kind = r['kind'];
  if (kind !== 'vendor-default' && kind !== 'owner-guidance')
    throw new BypassFileError(`${where}: kind must be vendor-default or owner-guidance`);
  const match = r['match'];
  if (match !== 'exact' && match !== 'subdomains' && match !== 'one-label')
    throw new BypassFileError(`${where}: match must be exact, subdomains or one-label`);
  const pattern = text(r['pattern'], where, 'pattern').toLowerCase();
  const wildcard = pattern.startsWith('*.');
  if ((match === 'exact') === wildcard)
    throw new BypassFileError(`${where}: pattern "${pattern}" ${wildcard ? 'has' : 'lacks'} a leading "*." but match is ${match}`);
  const name = wildcard ? pattern.slice(2) : pattern;
  if (!isIP(name) && (name.split('.').length < 2 || !name.split('.').every((l) => LABEL.test(l))))
    throw new BypassFileError(`${where}: "${pattern}" is not a host name or "*." followed by one`);
  const source = text(r['source'], where, 'source');
  if (!/^https:\/\/[^\s]+$/.test(source)) throw new BypassFileError(`${where}: source must be an https URL`);
  const retrieved = text(r['retrieved'], where, 'retrieved');
  if (!DATE.test(retrieved)) throw new BypassFileError(`${where}: retrieved must be a date YYYY-MM-DD`);
  if (typeof r['uncertain'] !== 'boolean') throw new BypassFileError(`${where}: uncertain must be true or false`);
  const section = r['section'] === undefined ? {} : { section: text(r['section'], where, 'section') };
  return { vendor, kind, pattern, match, ...section, note: text(r['note'], where, 'note'), source, retrieved, uncertain: r['uncertain'] };
}

function validUnlisted(raw: unknown, index: number): UnlistedBypass {
  const where = `unlisted[${index}]`;
  if (typeof raw !== 'object' || raw === null) throw new BypassFileError(`${where}: not an object`);
  const r = raw as Record<string, unknown>;
  const source = text(r['source'], where, 'source');
  if (!/^https:\/\/[^\s]+$/.test(source)) throw new BypassFileError(`${where}: source must be an https URL`);
  const retrieved = text(r['retrieved'], where, 'retrieved');
  if (!DATE.test(retrieved)) throw new BypassFileError(`${where}: retrieved must be a date YYYY-MM-DD`);
  return { vendor: text(r['vendor'], where, 'vendor'), what: text(r['what'], where, 'what'), source, retrieved };
}

/** Validates a parsed file; throws a BypassFileError naming the first bad field. Duplicates are errors. */
function validateBypassFile(value: unknown): KnownBypassFile {
  if (typeof value !== 'object' || value === null) throw new BypassFileError('the file is not a JSON object');
  const v = value as Record<string, unknown>;
  const updated = text(v['updated'], 'file', 'updated');
  if (!DATE.test(updated)) throw new BypassFileError('file: "updated" must be a date YYYY-MM-DD');
  if (!Array.isArray(v['entries']) || !Array.isArray(v['unlisted']))
    throw new BypassFileError('file: "entries" and "unlisted" must be arrays');
  const entries = (v['entries'] as unknown[]).map(validEntry);
  const seen = new Set<string>();
  for (const e of entries) {
    const key = `${e.vendor} ${e.pattern}`;
    if (seen.has(key)) throw new BypassFileError(`duplicate entry: ${key}`);
    seen.add(key);
  }
  return { updated, about: text(v['about'], 'file', 'about'), entries, unlisted: (v['unlisted'] as unknown[]).map(validUnlisted) };
}

/** The file as `npm run update-bypasses` writes it: validated, entries sorted by vendor then pattern, two-space JSON. */
export function normaliseBypassFile(json: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new BypassFileError(`not JSON: ${(error as Error).message}`);
  }
  const file = validateBypassFile(parsed);
  const byKey = (a: { vendor: string; pattern?: string }, b: { vendor: string; pattern?: string }): number =>
    a.vendor.localeCompare(b.vendor) || (a.pattern ?? '').localeCompare(b.pattern ?? '');
  const sorted: KnownBypassFile = { ...file, entries: [...file.entries].sort(byKey), unlisted: [...file.unlisted].sort(byKey) };
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

export const KNOWN_BYPASSES: KnownBypassFile = validateBypassFile(data);

export function bypassMatches(entry: Pick<KnownBypass, 'pattern' | 'match'>, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (entry.match === 'exact') return h === entry.pattern;
  const suffix = entry.pattern.slice(1); // ".domain"
  if (!h.endsWith(suffix) || h === suffix.slice(1)) return false;
  return entry.match === 'subdomains' || !h.slice(0, -suffix.length).includes('.');
}

export interface BypassMark {
  readonly host: string;
  readonly entry: KnownBypass;
  /** The product whose default already bypasses the host (a vendor-default entry), if any. */
  readonly product: Product | null;
}

export function knownBypassesFor(hosts: readonly string[], file: KnownBypassFile = KNOWN_BYPASSES): BypassMark[] {
  return hosts.flatMap((host) =>
    file.entries
      .filter((e) => bypassMatches(e, host))
      .map((entry) => ({ host, entry, product: entry.kind === 'vendor-default' ? (VENDOR_PRODUCT[entry.vendor] ?? null) : null })),
  );
}

/** One line for a report or a snippet comment, with the source. */
export function describeBypass(mark: BypassMark): string {
  const who = vendorTitle(mark.entry.vendor);
  const what =
    mark.entry.kind === 'vendor-default'
      ? `${mark.host}: already excluded by default in ${who} (${mark.entry.pattern}): no request needed there`
      : `${mark.host}: ${who} asks not to inspect it (${mark.entry.pattern}${mark.entry.section ? `, listed under "${mark.entry.section}"` : ''})`;
  return `${what}. Source: ${mark.entry.source} (read ${mark.entry.retrieved}${mark.entry.uncertain ? ', uncertain' : ''}).`;
}
