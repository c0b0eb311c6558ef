/** Reading an events file (`--events`, a recording) in tests. */
import { readFileSync } from 'node:fs';
import type { ConnectionLine } from '../../src/core/report/connectionReport';

/** The connection lines of an events file, in order (the proxy and update lines left out). */
export function connectionLines(path: string): ConnectionLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ConnectionLine | { type: string })
    .filter((l): l is ConnectionLine => l.type === 'connection');
}
