/** How many connections of a host ended in each category, in words: `ok×2 reset×1` or `ok ×2, reset ×1`. */
import type { HostSummary } from '../diagnosis/hostSummary';

export function categoryCounts(categories: HostSummary['categories'], style: 'compact' | 'list'): string {
  const parts = Object.entries(categories).map(([category, count]) =>
    style === 'compact' ? `${category}×${count}` : `${category} ×${count}`,
  );
  return parts.join(style === 'compact' ? ' ' : ', ');
}
