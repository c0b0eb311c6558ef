/**
 * Where recordings come from when several are merged: files, folders (every `*.pinscope.jsonl` below
 * them, in name order) and `-` for standard input. Each is read as a stream of lines, never whole, so
 * that merging holds per-host aggregates only.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { RecordingInput } from '../report/mergedRuns';

const RECORDING_SUFFIX = '.pinscope.jsonl';
/** A connection line is a few KiB; one longer than this is not a recording's (and is not held in memory). */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

export class RecordingInputError extends Error {
  override name = 'RecordingInputError';
}

/** One recording to read: its name (a path, or "stdin") and its lines, a chunk's worth at a time. */
/**
 * The stream's lines, in batches (one per chunk read): a promise per batch, not per line, which is what
 * makes a million lines cheap. A line is held whole however long it is; "\r\n" ends a line too.
 */
async function* linesOf(stream: Readable, name: string): AsyncIterable<readonly string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > MAX_LINE_CHARS) {
      stream.destroy();
      throw new RecordingInputError(
        `${name} has a line longer than ${MAX_LINE_CHARS / 1024 / 1024} Mi characters: not a Pinscope recording`,
      );
    }
    yield lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }
  const last = rest + decoder.end();
  if (last !== '') yield [last.endsWith('\r') ? last.slice(0, -1) : last];
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
    if (entry.isDirectory()) found.push(...(await recordingsUnder(path)));
    else if (entry.isFile() && entry.name.endsWith(RECORDING_SUFFIX)) found.push(path);
  }
  return found;
}

function fileInput(path: string): RecordingInput {
  return { name: path, lines: () => linesOf(createReadStream(path, { highWaterMark: 1024 * 1024 }), path) };
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
      inputs.push({ name: 'stdin', lines: () => linesOf(stdin, 'stdin') });
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
