/** Which hosts are intercepted and which are tunnelled untouched; changeable while the proxy runs. */
import { normaliseHost } from '../hostNames';
import { HostPatternList } from './hostPatterns';
import type { Mode } from '../../shared/vocabulary';

export interface PolicyDecision {
  readonly mode: Exclude<Mode, 'http'>;
  readonly reason: string;
}

/** Consulted before the patterns, e.g. by confirmation by tunnelling. */
export type PolicyHook = (host: string) => PolicyDecision | undefined;

export class HostPolicy {
  private patterns: HostPatternList;
  /** Per-host choices made at run time (from the panel or the CLI), which win over the patterns. */
  private readonly choices = new Map<string, Exclude<Mode, 'http'>>();
  constructor(
    tunnelHosts: readonly string[] = [],
    private readonly hook?: PolicyHook,
  ) {
    this.patterns = new HostPatternList(tunnelHosts);
  }

  setTunnelHosts(patterns: readonly string[]): void {
    this.patterns = new HostPatternList(patterns);
  }

  get tunnelHosts(): readonly string[] {
    return this.patterns.entries;
  }

  choose(host: string, mode: Exclude<Mode, 'http'>): void {
    this.choices.set(normaliseHost(host), mode);
  }

  forget(host: string): void {
    this.choices.delete(normaliseHost(host));
  }

  get hostChoices(): ReadonlyMap<string, Exclude<Mode, 'http'>> {
    return this.choices;
  }

  decide(rawHost: string): PolicyDecision {
    const host = normaliseHost(rawHost);
    const chosen = this.choices.get(host);
    if (chosen) return { mode: chosen, reason: `${chosen === 'tunnel' ? 'tunnelled' : 'intercepted'} by the user's choice for ${host}` };
    const hooked = this.hook?.(host);
    if (hooked) return hooked;
    const pattern = this.patterns.match(host);
    if (pattern) return { mode: 'tunnel', reason: `matches tunnel pattern ${pattern}` };
    return { mode: 'intercept', reason: 'intercepted by default' };
  }
}
