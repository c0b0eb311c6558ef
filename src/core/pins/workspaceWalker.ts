/**
 * Walks a workspace for the files the pin scanner reads: `.gitignore` files (at every level) and an
 * exclude list (gitignore syntax, e.g. VS Code's `files.exclude` keys) are respected, symbolic links are
 * not followed, and files are read a bounded number at a time.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IgnoreRules, MatchBudgetExceeded } from './ignoreRules';
import type { FileScan, PinConfiguration, ScanProblem } from './pinConfiguration';
import { isScannedFile, MAX_SCANNED_BYTES, scanFileText } from './scanFile';

/** Dependency, build and tool folders: third-party or generated copies, not the app's own configuration. */
const DEFAULT_EXCLUDES: readonly string[] = [
  '.git/',
  'node_modules/',
  '.gradle/',
  'build/',
  'Pods/',
  'DerivedData/',
  '.dart_tool/',
  '.venv/',
  'venv/',
  '__pycache__/',
  'bin/',
  'obj/',
  'dist/',
  'out/',
];

/** A whole scan stops after this long (reported as a problem naming where it stopped). */
const DEFAULT_TIME_BUDGET_MS = 60_000;

export interface WalkOptions {
  /** Extra patterns in gitignore syntax, relative to the root (`**\/generated`, `*.test.ts`). */
  readonly exclude?: readonly string[];
  /** Replace DEFAULT_EXCLUDES (pass [] to read dependency folders too). */
  readonly defaultExcludes?: readonly string[];
  readonly signal?: AbortSignal;
  /** Stop after this many candidate files (default 500,000). */
  readonly maxFiles?: number;
  /** Stop the whole scan after this many milliseconds (default 60 s). */
  readonly timeBudgetMs?: number;
  /** Told each file just before it is read (the extension's worker reports it, to name a file that hangs). */
  readonly onFile?: (file: string) => void;
}

interface IgnoreScope {
  /** Workspace-relative folder of the .gitignore, '' for the root. */
  readonly base: string;
  /** Where the rules come from, for problems: `ios/.gitignore`. */
  readonly source: string;
  readonly rules: IgnoreRules;
}

interface Walk {
  readonly files: string[];
  readonly problems: ScanProblem[];
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/**
 * Git's precedence: the deepest `.gitignore` with a matching rule decides (a `!` rule can re-include);
 * the exclude list (defaults, `files.exclude`, `--exclude`) always excludes.
 */
function ignoredBy(
  exclude: IgnoreScope,
  scopes: readonly IgnoreScope[],
  path: string,
  directory: boolean,
  problems: ScanProblem[],
): boolean {
  const decide = ({ base, source, rules }: IgnoreScope): boolean | undefined => {
    try {
      return rules.decide(base === '' ? path : path.slice(base.length + 1), directory);
    } catch (error) {
      if (!(error instanceof MatchBudgetExceeded)) throw error;
      problems.push({
        file: source,
        line: 1,
        kind: 'malformed',
        message: `matching ${path} against these patterns took too long: they were not applied to it`,
      });
      return undefined;
    }
  };
  if (decide(exclude) === true) return true;
  for (let k = scopes.length - 1; k >= 0; k--) {
    const scope = scopes[k];
    const decision = scope ? decide(scope) : undefined;
    if (decision !== undefined) return decision;
  }
  return false;
}

function scopeOf(base: string, source: string, lines: readonly string[], problems: ScanProblem[]): IgnoreScope {
  const rules = new IgnoreRules(lines);
  for (const problem of rules.problems) problems.push({ file: source, line: problem.line, kind: 'malformed', message: problem.message });
  return { base, source, rules };
}

async function gitignoreScope(root: string, base: string, problems: ScanProblem[]): Promise<IgnoreScope | null> {
  const source = base === '' ? '.gitignore' : `${base}/.gitignore`;
  let text: string;
  try {
    text = await readFile(join(root, base, '.gitignore'), 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      problems.push({ file: source, line: 1, kind: 'skipped', message: `cannot read: ${code}; its patterns were not applied` });
    return null;
  }
  return scopeOf(base, source, text.split('\n'), problems);
}

async function walk(root: string, options: WalkOptions, deadline: number): Promise<Walk> {
  const maxFiles = options.maxFiles ?? 500_000;
  const problems: ScanProblem[] = [];
  const exclude = scopeOf('', 'the exclude list', [...(options.defaultExcludes ?? DEFAULT_EXCLUDES), ...(options.exclude ?? [])], problems);
  const files: string[] = [];
  let stopped = false;
  const visit = async (folder: string, scopes: readonly IgnoreScope[]): Promise<void> => {
    if (stopped || options.signal?.aborted) return;
    if (files.length >= maxFiles || Date.now() > deadline) {
      stopped = true;
      problems.push({
        file: folder === '' ? '.' : folder,
        line: 1,
        kind: 'skipped',
        message:
          files.length >= maxFiles
            ? `the scan stopped here after ${maxFiles} files`
            : 'the scan ran out of time here; the folders after it were not read',
      });
      return;
    }
    const own = await gitignoreScope(root, folder, problems);
    const active = own ? [...scopes, own] : scopes;
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, folder), { withFileTypes: true });
    } catch (error) {
      if (folder !== '') problems.push({ file: folder, line: 1, kind: 'skipped', message: `folder not read: ${errorCode(error)}` });
      return;
    }
    const folders: string[] = [];
    for (const entry of entries) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!ignoredBy(exclude, active, path, true, problems)) folders.push(path);
      } else if (entry.isFile() && isScannedFile(entry.name) && !ignoredBy(exclude, active, path, false, problems)) {
        files.push(path);
      }
    }
    for (const child of folders) await visit(child, active);
  };
  await visit('', []);
  return { files: files.slice(0, maxFiles), problems };
}

/** Workspace-relative (`/`-separated) paths of the files the scanner reads. */
export async function walkWorkspace(root: string, options: WalkOptions = {}): Promise<string[]> {
  return (await walk(root, options, Date.now() + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS))).files;
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
  const deadline = Date.now() + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
  const { files, problems } = await walk(root, options, deadline);
  const results = new Array<FileScan>(files.length);
  let next = 0;
  let outOfTime: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < files.length && !options.signal?.aborted && outOfTime === undefined) {
      const index = next++;
      const file = files[index] ?? '';
      if (Date.now() > deadline) {
        outOfTime = file;
        break;
      }
      options.onFile?.(file);
      results[index] = await scanOne(root, file);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_READS }, worker));
  if (outOfTime !== undefined)
    problems.push({
      file: outOfTime,
      line: 1,
      kind: 'skipped',
      message: 'the scan ran out of time before this file; it and the files after it were not read',
    });
  const order = files.map((file, index) => ({ file, index })).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    configurations: order.flatMap(({ index }) => results[index]?.configurations ?? []),
    problems: [...problems, ...order.flatMap(({ index }) => results[index]?.problems ?? [])],
    filesScanned: results.filter(Boolean).length,
  };
}

async function scanOne(root: string, file: string): Promise<FileScan> {
  try {
    const size = (await stat(join(root, file))).size;
    if (size > MAX_SCANNED_BYTES)
      return {
        configurations: [],
        problems: [
          {
            file,
            line: 1,
            kind: 'skipped',
            message: `not read: ${(size / 1024 / 1024).toFixed(1)} MB, more than the ${MAX_SCANNED_BYTES / 1024 / 1024} MB a configuration or source file is expected to be`,
          },
        ],
      };
    const buffer = await readFile(join(root, file));
    return scanFileText(file, buffer.toString(buffer.subarray(0, 8).toString('latin1').startsWith('bplist') ? 'latin1' : 'utf8'));
  } catch (error) {
    return { configurations: [], problems: [{ file, line: 1, kind: 'skipped', message: `cannot read: ${errorCode(error)}` }] };
  }
}
