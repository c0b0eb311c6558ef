/**
 * Bounds on reading a recording (issue 28): a recording is a file from anywhere, so a million junk lines,
 * one huge line or a deeply nested value must cost little, and the list of skipped lines that goes to the
 * log, the warning and the webview's state must stay short. Depth needs no bound of its own: a line is
 * read through the known shape of a record (`exemptions/recordedShape.ts`), a few levels deep, and
 * whatever lies outside it is dropped without being walked.
 */

/** A connection line is a few KB; a line longer than this is not one (and is not parsed). */
export const MAX_LINE_CHARS = 1024 * 1024;
/** Lines read from one recording; beyond it the rest is not read, and that is said. */
export const MAX_LINES = 200_000;
/** Skipped lines named one by one; the others are counted. */
const MAX_SKIPPED_LISTED = 20;

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
