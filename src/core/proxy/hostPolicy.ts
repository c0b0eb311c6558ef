/** Which hosts are intercepted and which are tunnelled untouched; changeable while the proxy runs. */
import type { HostName } from '../hostNames';
import { HostPatternList } from './protocol/hostPatterns';
import type { Mode } from '../../shared/vocabulary';

export interface PolicyDecision {
  readonly mode: Exclude<Mode, 'http'>;
  readonly reason: string;
}

/** Consulted before the patterns, e.g. by confirmation by tunnelling. */
export type PolicyHook = (host: HostName) => PolicyDecision | undefined;

export class HostPolicy {
  private patterns: HostPatternList;
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

  /** Whether a host is intercepted or tunnelled, and why: the hook (the user's choice, a confirmation) first, then the patterns. */
  modeFor(host: HostName): PolicyDecision {
    const hooked = this.hook?.(host);
    if (hooked) return hooked;
    const pattern = this.patterns.match(host);
    if (pattern) return { mode: 'tunnel', reason: `matches tunnel pattern ${pattern}` };
    return { mode: 'intercept', reason: 'intercepted by default' };
  }
}
