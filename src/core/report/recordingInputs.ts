/**
 * Where recordings come from when several are merged: files, folders (every `*.pinscope.jsonl` below
 * them, in name order) and `-` for standard input. Each is read as a stream of lines, never whole, so
 * that merging holds per-host aggregates only.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export const RECORDING_SUFFIX = '.pinscope.jsonl';

export class RecordingInputError extends Error {
  override name = 'RecordingInputError';
}

/** One recording to read: its name (a path, or "stdin") and its lines. */
export interface RecordingInput {
  readonly name: string;
  lines(): AsyncIterable<string>;
}

function linesOf(stream: Readable): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/** Every `*.pinscope.jsonl` under `folder`, depth first, in name order; symbolic links are not followed. */
async function recordingsUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    throw new RecordingInputError(`cannot read the folder ${folder}: ${codeOf(error)}`);
  });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...await recordingsUnder(path));
    else if (entry.isFile() && entry.name.endsWith(RECORDING_SUFFIX)) found.push(path);
  }
  return found;
}

function fileInput(path: string): RecordingInput {
  return { name: path, lines: () => linesOf(createReadStream(path, { encoding: 'utf8' })) };
}

/**
 * The recordings named by `paths` (files, folders, `-`), checked now: a path that does not exist, or a
 * folder without recordings, is a RecordingInputError naming it. `stdin` defaults to the process's.
 */
export async function recordingInputs(paths: readonly string[], stdin: Readable = process.stdin): Promise<RecordingInput[]> {
  if (paths.length === 0) throw new RecordingInputError('no recording named');
  if (paths.filter((p) => p === '-').length > 1) throw new RecordingInputError('"-" (standard input) can be named once');
  const inputs: RecordingInput[] = [];
  for (const path of paths) {
    if (path === '-') {
      inputs.push({ name: 'stdin', lines: () => linesOf(stdin) });
      continue;
    }
    const info = await stat(path).catch((error: unknown) => {
      throw new RecordingInputError(`cannot read ${path}: ${codeOf(error)}`);
    });
    if (info.isDirectory()) {
      const files = await recordingsUnder(path);
      if (files.length === 0) throw new RecordingInputError(`${path} holds no recording (*${RECORDING_SUFFIX})`);
      inputs.push(...files.map(fileInput));
    } else if (info.isFile()) {
      inputs.push(fileInput(path));
    } else {
      throw new RecordingInputError(`${path} is neither a file nor a folder`);
    }
  }
  return inputs;
}
