/**
 * `.gitignore` rules matched without regular expressions, in time bounded by the input: a workspace is
 * untrusted, and a regex-based matcher backtracks exponentially on one line such as `a/` + 18 × `**\/` +
 * `zz` against a deep folder (issue 28). Patterns are normalised (runs of `**` segments collapsed) and
 * capped in length and count; literal names and `*.ext` suffixes are looked up in maps, so thousands of
 * ordinary patterns cost little per path; every other pattern is matched segment by segment with a step
 * budget per path, and a path that exhausts it is reported, never waited for.
 */

/** Longer lines are not patterns anyone writes by hand: dropped, and reported. */
const MAX_PATTERN_LENGTH = 1024;
/** Patterns kept per file (or exclude list); the rest are dropped, and reported. */
const MAX_PATTERNS = 50_000;
/** Matching steps allowed for one path against one file's wildcard patterns. */
const STEP_BUDGET = 2_000_000;

type Token =
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'star' }
  | { readonly kind: 'class'; readonly negated: boolean; readonly ranges: readonly (readonly [string, string])[] };

/** One path segment of a pattern: `**` (any number of segments) or a glob over one segment. */
type Segment = { readonly kind: 'globstar' } | { readonly kind: 'glob'; readonly tokens: readonly Token[] };

interface Rule {
  readonly index: number;
  readonly negated: boolean;
  readonly directoryOnly: boolean;
  readonly segments: readonly Segment[];
}

/** Thrown when a path's matching runs out of steps. */
export class MatchBudgetExceeded extends Error {}

class Budget {
  constructor(private steps: number) {}
  spend(count = 1): void {
    this.steps -= count;
    if (this.steps < 0) throw new MatchBudgetExceeded('pattern matching budget exceeded');
  }
}

function tokenize(segment: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] ?? '';
    if (c === '\\' && i + 1 < segment.length) tokens.push({ kind: 'char', char: segment[++i] ?? '' });
    else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        tokens.push({ kind: 'char', char: c });
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const ranges: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        const from = body[k] ?? '';
        if (body[k + 1] === '-' && k + 2 < body.length) {
          ranges.push([from, body[k + 2] ?? '']);
          k += 2;
        } else {
          ranges.push([from, from]);
        }
      }
      tokens.push({ kind: 'class', negated, ranges });
      i = close;
    } else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

function tokenMatches(token: Token, char: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.char === char;
    case 'any':
      return true;
    case 'star':
      return true;
    case 'class':
      return token.ranges.some(([from, to]) => char >= from && char <= to) !== token.negated;
  }
}

/** Glob over one segment: the classic iterative algorithm with one backtrack point (O(n·m) at worst). */
function globMatches(tokens: readonly Token[], name: string, budget: Budget): boolean {
  let t = 0;
  let n = 0;
  let starT = -1;
  let starN = 0;
  while (n < name.length) {
    budget.spend();
    const token = tokens[t];
    if (token?.kind === 'star') {
      starT = t++;
      starN = n;
    } else if (token && tokenMatches(token, name[n] ?? '')) {
      t++;
      n++;
    } else if (starT >= 0) {
      t = starT + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

/** Segments against path parts, `**` matching zero or more parts: a table of (segment, part) pairs, each computed once. */
function segmentsMatch(segments: readonly Segment[], parts: readonly string[], budget: Budget): boolean {
  // reachable[p] after processing k segments: whether the first k segments can match parts[0..p).
  let reachable = new Array<boolean>(parts.length + 1).fill(false);
  reachable[0] = true;
  for (const segment of segments) {
    const next = new Array<boolean>(parts.length + 1).fill(false);
    if (segment.kind === 'globstar') {
      let seen = false;
      for (let p = 0; p <= parts.length; p++) {
        seen ||= reachable[p] === true;
        next[p] = seen;
      }
    } else {
      for (let p = 0; p < parts.length; p++) {
        budget.spend();
        if (reachable[p] && globMatches(segment.tokens, parts[p] ?? '', budget)) next[p + 1] = true;
      }
    }
    reachable = next;
  }
  return reachable[parts.length] === true;
}

function isLiteral(tokens: readonly Token[]): boolean {
  return tokens.every((token) => token.kind === 'char');
}

function literalText(tokens: readonly Token[]): string {
  return tokens.map((token) => (token.kind === 'char' ? token.char : '')).join('');
}

/** Parses one line; null for blanks, comments and lines that are not patterns. */
function parseRule(line: string, index: number): Rule | null {
  let text = line.replace(/\r$/, '');
  // Trailing spaces are dropped unless escaped.
  text = text.replace(/(?<!\\)\s+$/, '');
  if (text === '' || text.startsWith('#')) return null;
  const negated = text.startsWith('!');
  if (negated) text = text.slice(1);
  if (text.startsWith('\\#') || text.startsWith('\\!')) text = text.slice(1);
  const directoryOnly = text.endsWith('/');
  if (directoryOnly) text = text.replace(/\/+$/, '');
  if (text === '') return null;
  const anchored = text.includes('/');
  const raw = text
    .replace(/^\/+/, '')
    .split('/')
    .filter((part) => part !== '');
  const segments: Segment[] = anchored ? [] : [{ kind: 'globstar' }];
  for (const part of raw) {
    if (part === '**') {
      // `a/**/**/**/b` is `a/**/b`: collapsing the runs is what keeps matching linear in the path.
      if (segments.at(-1)?.kind !== 'globstar') segments.push({ kind: 'globstar' });
    } else {
      segments.push({ kind: 'glob', tokens: tokenize(part) });
    }
  }
  return { index, negated, directoryOnly, segments };
}

interface RuleProblem {
  readonly line: number;
  readonly message: string;
}

/**
 * One file's rules (a `.gitignore`, or an exclude list), indexed: literal names, literal anchored
 * paths and `*suffix` names in maps, the rest in a list matched with a budget.
 */
export class IgnoreRules {
  private readonly byName = new Map<string, Rule[]>();
  private readonly byPath = new Map<string, Rule[]>();
  private readonly bySuffix = new Map<string, Rule[]>();
  private readonly suffixLengths = new Set<number>();
  private readonly wildcards: Rule[] = [];
  readonly problems: RuleProblem[] = [];
  readonly size: number;

  constructor(lines: readonly string[]) {
    let kept = 0;
    lines.forEach((line, lineIndex) => {
      if (line.length > MAX_PATTERN_LENGTH) {
        this.problems.push({
          line: lineIndex + 1,
          message: `a pattern of ${line.length} characters was ignored (more than ${MAX_PATTERN_LENGTH})`,
        });
        return;
      }
      const rule = parseRule(line, lineIndex);
      if (!rule) return;
      if (kept === MAX_PATTERNS) this.problems.push({ line: lineIndex + 1, message: `only the first ${MAX_PATTERNS} patterns are used` });
      if (kept++ >= MAX_PATTERNS) return;
      this.add(rule);
    });
    this.size = Math.min(kept, MAX_PATTERNS);
  }

  private add(rule: Rule): void {
    const [first, second] = rule.segments;
    const push = (map: Map<string, Rule[]>, key: string): void => {
      map.set(key, [...(map.get(key) ?? []), rule]);
    };
    if (rule.segments.length === 2 && first?.kind === 'globstar' && second?.kind === 'glob') {
      if (isLiteral(second.tokens)) return push(this.byName, literalText(second.tokens));
      const [star, ...rest] = second.tokens;
      if (star?.kind === 'star' && rest.length > 0 && isLiteral(rest)) {
        const suffix = literalText(rest);
        this.suffixLengths.add(suffix.length);
        return push(this.bySuffix, suffix);
      }
    }
    if (rule.segments.every((s) => s.kind === 'glob' && isLiteral(s.tokens))) {
      return push(this.byPath, rule.segments.map((s) => (s.kind === 'glob' ? literalText(s.tokens) : '')).join('/'));
    }
    this.wildcards.push(rule);
  }

  /**
   * The decision of the last rule that matches `path` (relative to this file's folder, `/`-separated):
   * true = ignored, false = re-included by a `!` rule, undefined = no rule matches.
   * Throws MatchBudgetExceeded when the wildcard patterns take too long for this path.
   */
  decide(path: string, directory: boolean): boolean | undefined {
    const parts = path.split('/');
    const name = parts.at(-1) ?? '';
    let best: Rule | undefined;
    const consider = (rules: readonly Rule[] | undefined): void => {
      for (const rule of rules ?? []) {
        if ((directory || !rule.directoryOnly) && (!best || rule.index > best.index)) best = rule;
      }
    };
    consider(this.byName.get(name));
    consider(this.byPath.get(path));
    for (const length of this.suffixLengths) if (name.length >= length) consider(this.bySuffix.get(name.slice(name.length - length)));
    const budget = new Budget(STEP_BUDGET);
    for (let k = this.wildcards.length - 1; k >= 0; k--) {
      const rule = this.wildcards[k];
      if (!rule || (best && rule.index < best.index)) break;
      if (rule.directoryOnly && !directory) continue;
      if (segmentsMatch(rule.segments, parts, budget)) {
        best = rule;
        break;
      }
    }
    return best === undefined ? undefined : !best.negated;
  }
}
