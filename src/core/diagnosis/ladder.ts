/**
 * The evidence ladder (docs/judgement.md): every verdict stands on one rung and cites its id. A rung
 * says what was observed, how sure that makes the pinning verdict, and which cause it names. The order
 * in which `judgeConnection` (judgement.ts) tries them is the precedence: the first that holds decides.
 */
import type { Pinning } from '../../shared/vocabulary';
import type { PathCause } from './pathCauses';

/** One cause per broken connection; `none` when nothing broke, `pinning` when a pin is likely. */
export type BreakageCause =
  'pinning' | 'fingerprint-only' | 'ca-not-installed' | 'app-own-trust-store' | 'undetermined' | 'none' | PathCause;

export const RUNGS = {
  N0: { pinning: 'unlikely', title: 'Not a breakage a pin could cause (data flowed, not TLS, server unreachable, no protocol in common)' },
  S1: {
    pinning: 'unlikely',
    title:
      "The inspection path broke it on the server's side (a client certificate demanded, a protocol the path does not offer): never a pin",
  },
  N1: { pinning: 'unlikely', title: 'The client gave up before it saw a certificate' },
  L1a: { pinning: 'likely', title: 'The same client accepted a forged certificate for another host and sent data' },
  L1c: {
    pinning: 'likely',
    title: 'The handshake completed on a stack known to check the chain inside it, then the client left without data',
  },
  U1: {
    pinning: 'unlikely',
    title: 'The client said it does not know our CA (an unknown-issuer alert on a stack that sends it for nothing else)',
  },
  L1b: { pinning: 'likely', title: "Its launch told it to trust the CA, by its runtime's own rules, and it rejected the host" },
  U2: { pinning: 'unlikely', title: 'The same client rejected every intercepted host and accepted none' },
  P2: { pinning: 'possible', title: 'Only another process with the same TLS fingerprint accepted other hosts' },
  P3: {
    pinning: 'possible',
    title: 'The handshake completed, but on a stack that checks the chain after it (Node, wget) or one not known to check it inside',
  },
  P1: { pinning: 'possible', title: 'Its launch did not tell it to trust the CA (a hint, not proof: it may trust it in its code)' },
  P4: { pinning: 'possible', title: 'Nothing is known about whether it trusts the CA' },
} as const satisfies Readonly<Record<string, { readonly pinning: Pinning; readonly title: string }>>;

export type RungId = keyof typeof RUNGS;

export const RUNG_IDS = Object.keys(RUNGS) as RungId[];
