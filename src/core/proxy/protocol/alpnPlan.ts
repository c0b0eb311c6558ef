/**
 * Whether the client's handshake can run alongside the real server's. The forged ServerHello must name
 * the ALPN protocol the real server will speak, so it can be sent before the server has answered only
 * when that choice is known: the client offered nothing, or exactly one protocol, or this server chose
 * from the same offer before. The server is then offered only the promised protocol, so it cannot pick
 * another one; a server that picks none of it afterwards is caught by `keepsPromise`.
 */
import { BoundedMap } from '../../boundedMap';

/** What to offer the real server, and the protocol promised to the client (`undefined`: wait for the server). */
export interface AlpnPlan {
  readonly upstreamOffer: readonly string[];
  readonly promised: string | null | undefined;
}

export class AlpnMemory {
  private readonly choices: BoundedMap<string, string | null>;
  constructor(capacity = 2000) {
    this.choices = new BoundedMap(capacity);
  }

  plan(host: string, offer: readonly string[]): AlpnPlan {
    if (offer.length === 0) return { upstreamOffer: [], promised: null };
    const [only] = offer;
    if (offer.length === 1 && only !== undefined) return { upstreamOffer: offer, promised: only };
    const k = key(host, offer);
    if (!this.choices.has(k)) return { upstreamOffer: offer, promised: undefined };
    const remembered = this.choices.get(k) ?? null;
    return { upstreamOffer: remembered === null ? [] : [remembered], promised: remembered };
  }

  /** Records what the server chose when offered the client's whole list. */
  remember(host: string, offer: readonly string[], chosen: string | null): void {
    if (offer.length < 2) return;
    this.choices.set(key(host, offer), chosen);
  }

  forget(host: string, offer: readonly string[]): void {
    this.choices.delete(key(host, offer));
  }
}

/**
 * Whether the server's choice is compatible with what the client was promised. A server that chose no
 * protocol while the client was promised HTTP/1.1 still speaks it (HTTP/1.1 is the default over TLS).
 */
export function keepsPromise(promised: string | null, chosen: string | null): boolean {
  return promised === chosen || (chosen === null && promised === 'http/1.1');
}

export function sameOffer(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((protocol, i) => protocol === b[i]);
}

const key = (host: string, offer: readonly string[]): string => `${host}|${offer.join(',')}`;
