/** Records made by a process whose TLS stack is known (by its program's name), for tests that need the stack to be known. */
import type { ConnectionClient } from '../../src/core/record/client';
import type { ConnectionRecord } from '../../src/core/timeline';

let pid = 4000;

/** A local `curl` process (OpenSSL: checks the chain inside the handshake); its launch was not read. */
function curlClient(): ConnectionClient {
  pid++;
  return {
    process: {
      kind: 'local',
      label: `bash › curl (${pid})`,
      pid,
      startTime: String(pid),
      name: 'curl',
      path: '/usr/bin/curl',
      command: 'curl https://example.test',
      app: null,
    },
    trust: null,
  };
}

/** The record, made by `client` (a new curl process unless given). */
export function byKnownStack<R extends ConnectionRecord>(record: R, client: ConnectionClient = curlClient()): R {
  return Object.assign(record, { client });
}
