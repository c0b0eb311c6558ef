/** Temporary directories for tests: each test process removes the ones it made when it exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

function removeTemporaryDirectories(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** A new, empty directory under the system's temporary folder, named `pinscope-<purpose>-XXXXXX`. */
export function temporaryDirectory(purpose: string): string {
  if (made.size === 0) process.once('exit', removeTemporaryDirectories);
  const dir = mkdtempSync(join(tmpdir(), `pinscope-${purpose}-`));
  made.add(dir);
  return dir;
}
