/**
 * Walks a workspace for the files the pin scanner reads: `.gitignore` files (at every level) and an
 * exclude list (gitignore syntax, e.g. VS Code's `files.exclude` keys) are respected, symbolic links are
 * not followed, and files are read a bounded number at a time.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { PinConfiguration, ScanProblem } from './pinConfiguration';
import { isScannedFile, MAX_SCANNED_BYTES, scanFileText } from './scanFile';

/** Dependency, build and tool folders: third-party or generated copies, not the app's own configuration. */
const DEFAULT_EXCLUDES: readonly string[] = ['.git/', 'node_modules/', '.gradle/', 'build/', 'Pods/', 'DerivedData/', '.dart_tool/', '.venv/', 'venv/', '__pycache__/', 'bin/', 'obj/', 'dist/', 'out/'];

export interface WalkOptions {
  /** Extra patterns in gitignore syntax, relative to the root (`**\/generated`, `*.test.ts`). */
  readonly exclude?: readonly string[];
  /** Replace DEFAULT_EXCLUDES (pass [] to read dependency folders too). */
  readonly defaultExcludes?: readonly string[];
  readonly signal?: AbortSignal;
  /** Stop after this many candidate files (default 500,000). */
  readonly maxFiles?: number;
}

interface IgnoreScope {
  /** Workspace-relative folder of the .gitignore, '' for the root. */
  readonly base: string;
  readonly rules: Ignore;
}

function ignoredBy(scopes: readonly IgnoreScope[], path: string, directory: boolean): boolean {
  return scopes.some(({ base, rules }) => {
    const relative = base === '' ? path : path.slice(base.length + 1);
    return rules.ignores(directory ? `${relative}/` : relative);
  });
}

async function gitignoreScope(root: string, base: string): Promise<IgnoreScope | null> {
  try {
    const text = await readFile(join(root, base, '.gitignore'), 'utf8');
    return { base, rules: ignore().add(text) };
  } catch {
    return null;
  }
}

/** Workspace-relative (`/`-separated) paths of the files the scanner reads. */
export async function walkWorkspace(root: string, options: WalkOptions = {}): Promise<string[]> {
  const maxFiles = options.maxFiles ?? 500_000;
  const base: IgnoreScope = { base: '', rules: ignore().add([...(options.defaultExcludes ?? DEFAULT_EXCLUDES), ...(options.exclude ?? [])]) };
  const files: string[] = [];
  const visit = async (folder: string, scopes: readonly IgnoreScope[]): Promise<void> => {
    if (options.signal?.aborted || files.length >= maxFiles) return;
    const own = await gitignoreScope(root, folder);
    const active = own ? [...scopes, own] : scopes;
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, folder), { withFileTypes: true });
    } catch {
      return;
    }
    const folders: string[] = [];
    for (const entry of entries) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!ignoredBy(active, path, true)) folders.push(path);
      } else if (entry.isFile() && isScannedFile(entry.name) && !ignoredBy(active, path, false)) {
        files.push(path);
        if (files.length >= maxFiles) return;
      }
    }
    for (const child of folders) await visit(child, active);
  };
  await visit('', [base]);
  return files;
}

export interface WorkspaceScan {
  readonly configurations: readonly PinConfiguration[];
  readonly problems: readonly ScanProblem[];
  /** Files read (candidates by name, after ignores). */
  readonly filesScanned: number;
}

const PARALLEL_READS = 32;

/** Scans every candidate file of the workspace; results are in path order, then line order. */
export async function scanWorkspace(root: string, options: WalkOptions = {}): Promise<WorkspaceScan> {
  const files = await walkWorkspace(root, options);
  const results = new Array<{ configurations: readonly PinConfiguration[]; problems: readonly ScanProblem[] }>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length && !options.signal?.aborted) {
      const index = next++;
      const file = files[index] ?? '';
      results[index] = await scanOne(root, file);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_READS }, worker));
  const order = files.map((file, index) => ({ file, index })).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    configurations: order.flatMap(({ index }) => results[index]?.configurations ?? []),
    problems: order.flatMap(({ index }) => results[index]?.problems ?? []),
    filesScanned: files.length,
  };
}

async function scanOne(root: string, file: string): Promise<{ configurations: readonly PinConfiguration[]; problems: readonly ScanProblem[] }> {
  try {
    const size = (await stat(join(root, file))).size;
    if (size > MAX_SCANNED_BYTES) return { configurations: [], problems: [] };
    const buffer = await readFile(join(root, file));
    return scanFileText(file, buffer.toString(buffer.subarray(0, 8).toString('latin1').startsWith('bplist') ? 'latin1' : 'utf8'));
  } catch (error) {
    return { configurations: [], problems: [{ file, line: 1, kind: 'skipped', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }] };
  }
}
