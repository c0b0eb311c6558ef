/**
 * `npm run update-bypasses`: validates src/core/exemptions/data/knownBypasses.json and rewrites it
 * normalised (entries sorted by vendor then pattern). `-- --check` only reports whether it is normalised
 * (exit 1 if not), for CI. Edit the file by hand from the vendor's public documentation, then run this.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BypassFileError, normaliseBypassFile } from '../src/core/exemptions/knownBypasses';

const FILE = resolve(__dirname, '..', '..', 'src', 'core', 'exemptions', 'data', 'knownBypasses.json');

function main(): number {
  const text = readFileSync(FILE, 'utf8');
  let normalised: string;
  try {
    normalised = normaliseBypassFile(text);
  } catch (error) {
    if (!(error instanceof BypassFileError)) throw error;
    process.stderr.write(`knownBypasses.json: ${error.message}\n`);
    return 1;
  }
  if (process.argv.includes('--check')) {
    if (normalised === text) return 0;
    process.stderr.write('knownBypasses.json is not normalised: run npm run update-bypasses\n');
    return 1;
  }
  if (normalised !== text) writeFileSync(FILE, normalised);
  process.stdout.write(
    `knownBypasses.json: ${(JSON.parse(normalised) as { entries: unknown[] }).entries.length} entries, valid and sorted\n`,
  );
  return 0;
}

process.exitCode = main();
