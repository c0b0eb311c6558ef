/** What a verdict's cause means for an exemption request. */
import type { BreakageCause } from './ladder';

/** Not a pinning suspect because the process does not trust the CA: an exemption is not the fix. */
export function isTrustGap(cause: BreakageCause | null | undefined): cause is 'ca-not-installed' | 'app-own-trust-store' {
  return cause === 'ca-not-installed' || cause === 'app-own-trust-store';
}
