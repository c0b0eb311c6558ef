/**
 * Breakage the proxy saw on the server's side (src/shared/vocabulary.ts SERVER_SIDE_BREAKAGE): never a
 * pinning suspect, never evidence about the client's trust. Each has its own words and fix.
 */
import { SERVER_SIDE_BREAKAGE, type Category } from '../../shared/vocabulary';

export type ServerSideCause = 'client-certificate';

export interface ServerSideExplanation {
  readonly cause: ServerSideCause;
  readonly evidence: readonly string[];
  readonly fix: string;
}

/** Zscaler's deployment guide (help.zscaler.com/zia/deploying-ssl-inspection, read 2026-12-05). */
export const ZSCALER_MUTUAL_TLS_WORDS = 'Ensure to update the global bypass list to bypass TLS sessions using Client Certificate Authentication. Zscaler does not support the decryption of mutually authenticated TLS sessions.';

/** The explanation for a server-side breakage, or undefined for any other category. */
export function serverSideExplanation(category: Category, reason: string): ServerSideExplanation | undefined {
  if (!SERVER_SIDE_BREAKAGE.has(category)) return undefined;
  return {
    cause: 'client-certificate',
    evidence: [
      `${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`,
      'Not pinning: an inspecting proxy cannot present the app\'s client certificate (it never holds the app\'s key), so the real server refuses every inspected session. This host breaks under any SSL inspection and must be exempted.',
      `Zscaler's deployment guide says so: "${ZSCALER_MUTUAL_TLS_WORDS}"`,
    ],
    fix: 'Request an SSL-inspection exemption for this host (Export Exemption Request): mutual TLS cannot be inspected. To test the rest of the app through Pinscope meanwhile, present its certificate upstream with --client-cert HOST_PATTERN=CERT,KEY (setting pinscope.clientCertificates).',
  };
}
