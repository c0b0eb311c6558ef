/**
 * Host patterns as users write them: `api.example.com` (exact), `*.example.com` (any subdomain, not the
 * apex), `.example.com` (the apex and any subdomain). Case-insensitive; a trailing dot is ignored.
 */
import { hostName } from '../../hostNames';

export class HostPatternError extends Error {
  override name = 'HostPatternError';
}

const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?|\*)$/;

/** Validates a pattern and returns its normal form; throws a HostPatternError saying what is wrong. */
export function parseHostPattern(raw: string): string {
  const pattern: string = hostName(raw);
  if (pattern === '') throw new HostPatternError('a host pattern is empty');
  if (pattern.includes(':')) return pattern; // an IPv6 address: matched exactly
  const labels = (pattern.startsWith('.') ? pattern.slice(1) : pattern).split('.');
  for (const [index, label] of labels.entries()) {
    if (!LABEL.test(label)) throw new HostPatternError(`"${raw}" is not a host pattern: label "${label}" is not valid`);
    if (label === '*' && index !== 0)
      throw new HostPatternError(`"${raw}" is not a host pattern: "*" may only stand for the leftmost labels`);
  }
  return pattern;
}

export function matchesHostPattern(pattern: string, rawHost: string): boolean {
  const host = hostName(rawHost);
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  if (pattern.startsWith('.')) return host === pattern.slice(1) || host.endsWith(pattern);
  return host === pattern;
}

/** A list of patterns checked in order; the first match wins. */
export class HostPatternList {
  private readonly patterns: readonly string[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map(parseHostPattern);
  }

  get entries(): readonly string[] {
    return this.patterns;
  }

  match(host: string): string | undefined {
    return this.patterns.find((pattern) => matchesHostPattern(pattern, host));
  }
}

export interface HostOverride {
  readonly pattern: string;
  readonly address: string;
  readonly port: number | null;
}

/** Parses curl-`--resolve`-style overrides: `PATTERN=ADDRESS[:PORT]`, e.g. `*.example.test=127.0.0.1:9443`. */
export function parseHostOverride(raw: string): HostOverride {
  const separator = raw.indexOf('=');
  if (separator <= 0) throw new HostPatternError(`"${raw}" is not a host override: expected PATTERN=ADDRESS[:PORT]`);
  const pattern = parseHostPattern(raw.slice(0, separator));
  const target = raw.slice(separator + 1).trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(target);
  const match = bracketed ?? plain;
  if (!match?.[1]) throw new HostPatternError(`"${raw}" is not a host override: "${target}" is not ADDRESS[:PORT]`);
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65535))
    throw new HostPatternError(`"${raw}" is not a host override: port ${port} is out of range`);
  return { pattern, address: match[1], port };
}

/** The most specific override for a host: an exact pattern wins over wildcards, a longer wildcard over a shorter one. */
export function findOverride(overrides: readonly HostOverride[], host: string): HostOverride | undefined {
  let best: HostOverride | undefined;
  for (const override of overrides) {
    if (!matchesHostPattern(override.pattern, host)) continue;
    if (!best || specificity(override.pattern) > specificity(best.pattern)) best = override;
  }
  return best;
}

function specificity(pattern: string): number {
  return pattern.startsWith('*.') || pattern.startsWith('.') ? pattern.length : 10_000;
}
