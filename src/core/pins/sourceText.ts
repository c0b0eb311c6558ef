/**
 * Reading source text without a parser: comments blanked out (offsets and line numbers kept), call
 * arguments split at the top level, and string expressions (`"a" + CONST`, Kotlin/Dart `$NAME`)
 * evaluated against the string constants of the same file.
 */

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line of a 0-based offset. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }
}

/** `c`: `//` and `/* *\/` (Java, Kotlin, Swift, ObjC, Dart, JS/TS, Go, C#); `hash`: `#` (Python). */
export type CommentStyle = 'c' | 'hash';

/** The text with every comment replaced by spaces (newlines kept), strings left as they are. Linear: jumps from one quote or comment start to the next. */
export function blankComments(text: string, style: CommentStyle): string {
  const next = style === 'c' ? /["'`/]/g : /["'`#]/g;
  const chunks: string[] = [];
  let copied = 0;
  let i = 0;
  const blank = (stop: number): void => {
    chunks.push(text.slice(copied, i), text.slice(i, stop).replace(/[^\n]/g, ' '));
    copied = stop;
    i = stop;
  };
  while (i < text.length) {
    next.lastIndex = i;
    const found = next.exec(text);
    if (!found) break;
    i = found.index;
    const c = found[0];
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(text, i, text.startsWith(c.repeat(3), i) ? c.repeat(3) : c);
    } else if (c === '#' || text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      blank(end < 0 ? text.length : end);
    } else if (text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      blank(end < 0 ? text.length : end + 2);
    } else {
      i++;
    }
  }
  chunks.push(text.slice(copied));
  return chunks.join('');
}

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** Offset just past the string literal opening at `start` with `quote`. */
function skipString(text: string, start: number, quote: string): number {
  const q = quote.charCodeAt(0);
  const single = quote.length === 1;
  const endsAtNewline = single && quote !== '`';
  let i = start + quote.length;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH && single) i += 2;
    else if (c === q && (single || text.startsWith(quote, i))) return i + quote.length;
    else if (c === NEWLINE && endsAtNewline) return i;
    else i++;
  }
  return i;
}

export interface Argument {
  readonly text: string;
  readonly offset: number;
}

const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** A call or literal longer than this is not configuration: not split (bounds the work per call). */
const MAX_BRACKET_SPAN = 64 * 1024;
/** An expression longer than this is not a host or a pin: not evaluated. */
const MAX_EXPRESSION_LENGTH = 4096;

/**
 * Where each bracket of `text` closes, found in one pass (strings skipped; a closer that does not match
 * the innermost open bracket is ignored): -1 when it never closes. Scanning from every `add(` to the
 * end of the file instead is quadratic on a file of unclosed calls (issue 28).
 */
function bracketMatches(text: string): BracketMatches {
  // Char codes, not one-character strings: this runs over every character of a file of up to 2 MB.
  const openers: number[] = [];
  const closes: number[] = [];
  /** Indexes into `openers` of the brackets still open, and the char code that closes the innermost. */
  const stack: number[] = [];
  const closers: number[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x27 || c === 0x60) {
      const quote = String.fromCharCode(c);
      i = skipString(text, i, text.startsWith(quote.repeat(3), i) ? quote.repeat(3) : quote);
      continue;
    }
    const closer = c === 0x28 ? 0x29 : c === 0x5b ? 0x5d : c === 0x7b ? 0x7d : 0;
    if (closer !== 0) {
      stack.push(openers.length);
      closers.push(closer);
      openers.push(i);
      closes.push(-1);
    } else if (closers.length > 0 && c === closers[closers.length - 1]) {
      closers.pop();
      closes[stack.pop() ?? 0] = i;
    }
    i++;
  }
  return { openers, closes };
}

/** Offsets of the opening brackets in increasing order, and where each closes (-1: never). */
interface BracketMatches {
  readonly openers: readonly number[];
  readonly closes: readonly number[];
}

/**
 * Code (comments blanked) with its brackets matched once, on first use: the scanners split many calls
 * of the same file.
 */
export class SourceCode {
  private matches: BracketMatches | undefined;

  constructor(readonly text: string) {}

  /** Where the bracket at `open` closes; -1 when it never does or `open` is not a bracket outside strings. */
  closingBracket(open: number): number {
    this.matches ??= bracketMatches(this.text);
    const { openers, closes } = this.matches;
    let low = 0;
    let high = openers.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = openers[mid] ?? 0;
      if (at === open) return closes[mid] ?? -1;
      if (at < open) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }
}

/**
 * Splits the arguments of the bracket opening at `open` (its offset) at top-level commas. Returns the
 * arguments and the offset of the closing bracket, or null when it never closes (or spans more than
 * MAX_BRACKET_SPAN, or opens inside a string). Linear in the call's own length: nested brackets are
 * jumped over.
 */
export function splitArguments(code: SourceCode, open: number): { args: Argument[]; end: number } | null {
  const text = code.text;
  if (!OPENERS[text[open] ?? '']) return null;
  const end = code.closingBracket(open);
  if (end < 0 || end - open > MAX_BRACKET_SPAN) return null;
  const args: Argument[] = [];
  let start = open + 1;
  const push = (to: number): void => {
    const raw = text.slice(start, to);
    const lead = raw.length - raw.trimStart().length;
    if (raw.trim() !== '') args.push({ text: raw.trim(), offset: start + lead });
  };
  let i = open + 1;
  while (i < end) {
    const c = text[i] ?? '';
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(text, i, text.startsWith(c.repeat(3), i) ? c.repeat(3) : c);
    } else if (OPENERS[c]) {
      const close = code.closingBracket(i);
      if (close < 0) return null;
      i = close + 1;
    } else {
      if (c === ',') {
        push(i);
        start = i + 1;
      }
      i++;
    }
  }
  push(end);
  return { args, end };
}

/** A string literal's value (escapes for quotes and backslashes only), or null if `text` is not one literal. */
function literalValue(text: string): string | null {
  const match = /^(?:@?"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|"""([\s\S]*?)"""|`((?:[^`\\]|\\.)*)`)$/.exec(text);
  if (!match) return null;
  const body = match[1] ?? match[2] ?? match[3] ?? match[4] ?? '';
  return body.replace(/\\(["'\\$])/g, '$1');
}

/** Kotlin/Dart/Swift templates: `$NAME`, `${NAME}`, `\(NAME)`. Null when one is not a known constant. */
function interpolate(value: string, constants: ReadonlyMap<string, string>): string | null {
  const unresolved: string[] = [];
  const result = value.replace(
    /\$\{\s*([A-Za-z_][\w.]*)\s*\}|\$([A-Za-z_]\w*)|\\\(\s*([A-Za-z_][\w.]*)\s*\)/g,
    (_all, a: string | undefined, b: string | undefined, c: string | undefined) => {
      const name = (a ?? b ?? c ?? '').split('.').at(-1) ?? '';
      const known = constants.get(name);
      if (known === undefined) unresolved.push(name);
      return known ?? '';
    },
  );
  return unresolved.length > 0 ? null : result;
}

/** Evaluates `"a" + NAME + "b"`; null when a part is not a literal or a known constant. */
export function evaluateString(expression: string, constants: ReadonlyMap<string, string>): string | null {
  if (expression.length > MAX_EXPRESSION_LENGTH) return null;
  const parts = splitConcatenation(expression.trim());
  let result = '';
  for (const part of parts) {
    const literal = literalValue(part);
    if (literal !== null) {
      const value = interpolate(literal, constants);
      if (value === null) return null;
      result += value;
      continue;
    }
    const name = /^(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)$/.exec(part)?.[1];
    const known = name === undefined ? undefined : constants.get(name);
    if (known === undefined) return null;
    result += known;
  }
  return parts.length === 0 ? null : result;
}

function splitConcatenation(expression: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < expression.length) {
    const c = expression[i] ?? '';
    if (c === '"' || c === "'") {
      i = skipString(expression, i, expression.startsWith(c.repeat(3), i) ? c.repeat(3) : c);
      continue;
    }
    if (c === '+') {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/**
 * String constants declared in the file: `const val HOST = "…"`, `static final String HOST = "a" + B;`,
 * `let host = "…"`, `const HOST = '…';`. Later declarations may use earlier ones.
 */
export function stringConstants(text: string): Map<string, string> {
  const constants = new Map<string, string>();
  const declaration =
    /\b([A-Za-z_]\w*)\s*(?::\s*String\??\s*)?=\s*((?:@?"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_][\w.]*)(?:\s*\+\s*(?:@?"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_][\w.]*))*)\s*(?=[;\n)]|$)/g;
  const found: [string, string][] = [];
  for (const match of text.matchAll(declaration)) {
    if (match[1] && match[2] && /["']/.test(match[2])) found.push([match[1], match[2]]);
  }
  // Two passes, so that a constant may use one declared below it.
  for (let pass = 0; pass < 2; pass++) {
    for (const [name, expression] of found) {
      const value = evaluateString(expression, constants);
      if (value !== null) constants.set(name, value);
    }
  }
  return constants;
}

/** Splits `key: value` at the first top-level colon (outside strings and brackets). */
export function splitKeyValue(entry: string): { key: string; value: string; valueOffset: number } | null {
  const stack: string[] = [];
  for (let i = 0; i < entry.length; i++) {
    const c = entry[i] ?? '';
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(entry, i, c) - 1;
    } else if (OPENERS[c]) {
      stack.push(OPENERS[c]);
    } else if (c === stack.at(-1)) {
      stack.pop();
    } else if (c === ':' && stack.length === 0) {
      const rest = entry.slice(i + 1);
      return { key: entry.slice(0, i).trim(), value: rest.trim(), valueOffset: i + 1 + (rest.length - rest.trimStart().length) };
    }
  }
  return null;
}

/** The bracket (`{`, `[` or `(`) that opens a literal at the start of `text` after an optional `@`, or -1. */
export function literalOpen(text: string, from: number): number {
  let i = from;
  while (/\s/.test(text[i] ?? '')) i++;
  if (text[i] === '@') i++;
  return OPENERS[text[i] ?? ''] ? i : -1;
}

/** Entries of a dictionary/object literal opening at `open`: keys evaluated as strings or bare names. */
export function dictionaryEntries(
  code: SourceCode,
  open: number,
  constants: ReadonlyMap<string, string>,
): { key: string; keyOffset: number; value: string; valueOffset: number }[] {
  const split = splitArguments(code, open);
  if (!split) return [];
  return split.args.flatMap((arg) => {
    const kv = splitKeyValue(arg.text);
    if (!kv) return [];
    const key = evaluateString(kv.key.replace(/^@/, ''), constants) ?? (/^[A-Za-z_$][\w$]*$/.test(kv.key) ? kv.key : null);
    return key === null ? [] : [{ key, keyOffset: arg.offset, value: kv.value, valueOffset: arg.offset + kv.valueOffset }];
  });
}

/** The string literals (or constants) of an array literal such as `["a", B]`, `@[@"a"]`, `listOf("a")`. */
export function stringItems(
  code: SourceCode,
  open: number,
  constants: ReadonlyMap<string, string>,
): { value: string | null; offset: number }[] {
  const split = splitArguments(code, open);
  return split ? split.args.map((arg) => ({ value: evaluateString(arg.text, constants), offset: arg.offset })) : [];
}
