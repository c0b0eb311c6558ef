/**
 * Bounds on reading a recording (issue 28): a recording is a file from anywhere, so a million junk lines,
 * one huge line or a deeply nested value must cost little, and the list of skipped lines that goes to the
 * log, the warning and the webview's state must stay short.
 */

/** A connection line is a few KB; a line longer than this is not one (and is not parsed). */
export const MAX_LINE_CHARS = 1024 * 1024;
/** Lines read from one recording; beyond it the rest is not read, and that is said. */
export const MAX_LINES = 200_000;
/** A connection line nests a few levels (line → events → chain → certificate → fields). */
const MAX_JSON_DEPTH = 16;
/** Skipped lines named one by one; the others are counted. */
const MAX_SKIPPED_LISTED = 20;

/** Whether `value` nests deeper than MAX_JSON_DEPTH (iterative: a hostile depth cannot overflow the stack). */
export function nestsTooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() ?? [null, 0];
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_JSON_DEPTH) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Collects skipped lines: the first MAX_SKIPPED_LISTED named, then one line with the count of the rest. */
export class SkippedLines {
  private readonly listed: string[] = [];
  private unlisted = 0;
  private stopped: string | undefined;

  add(line: string): void {
    if (this.listed.length < MAX_SKIPPED_LISTED) this.listed.push(line);
    else this.unlisted++;
  }

  /** Reading stopped early: always listed, last. */
  stop(why: string): void {
    this.stopped = why;
  }

  summary(): string[] {
    const count = this.unlisted > 0 ? [`and ${this.unlisted} more line${this.unlisted === 1 ? '' : 's'} skipped`] : [];
    return [...this.listed, ...count, ...(this.stopped === undefined ? [] : [this.stopped])];
  }
}
