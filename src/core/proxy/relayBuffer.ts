/**
 * Stream buffer of the relayed TLS sockets (both sides). With Node's 16 KiB default, every 16 KiB TLS
 * record fills the writable side, so `pipe` pauses and resumes the source once per record; with 256 KiB
 * many records pass before back-pressure stops the source (docs/performance.md has the throughput). Node's
 * TLSSocket honours `highWaterMark`; @types/node does not declare it, hence a spread.
 */
export const RELAY_BUFFER = { highWaterMark: 256 * 1024 } as const;
