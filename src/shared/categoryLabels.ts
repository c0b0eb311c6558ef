/**
 * The words people read for each category (the ids stay the machine's words: CLI, JSON, filters).
 * A `Record` over `Category`, so a new category does not compile until it has its label.
 */
import type { Category } from './vocabulary';

export const CATEGORY_LABELS: Readonly<Record<Category, string>> = {
  ok: 'OK',
  'cert-rejected': 'Certificate rejected',
  'closed-after-handshake': 'Closed after handshake',
  reset: 'Connection reset',
  'handshake-timeout': 'Handshake timed out',
  'not-tls': 'Not TLS',
  'tls-mismatch': 'TLS mismatch',
  'upstream-failed': 'Server unreachable',
  'client-cert-required': 'Client certificate required',
};

/** The label of a category, or of a connection still open (`null`). */
export function categoryLabel(category: Category | null): string {
  return category === null ? 'In progress' : CATEGORY_LABELS[category];
}
