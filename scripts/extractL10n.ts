/**
 * The English source bundle of the extension's runtime strings, `l10n/bundle.l10n.json`: every
 * `vscode.l10n.t('…')` message in `src/extension/**`, keyed by itself. A stand-in for the official
 * extractor (`npx @vscode/l10n-dev export --outDir ./l10n ./src/extension`), which writes the same
 * bundle for calls of this form; the unit test `test/shared/l10nBundle.test.ts` fails when the bundle
 * and the sources disagree.
 *
 * Usage: `npm run l10n` (writes the bundle), `node out/scripts/extractL10n.js --check` (exit 1 if stale).
 * A message must be a string literal (placeholders `{0}`, `{1}` for values): a computed message could not
 * be translated, so it is reported as a problem.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

export interface L10nExtraction {
  /** Message → English text (the same), in source order of first use. */
  readonly messages: ReadonlyMap<string, string>;
  /** `file:line: why`, for a `vscode.l10n.t` call whose message is not a string literal. */
  readonly problems: readonly string[];
}

/** `vscode.l10n.t(` or `l10n.t(`: the forms the official extractor reads. */
function isL10nCall(node: ts.CallExpression): boolean {
  const callee = node.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const owner = callee.expression;
  if (ts.isIdentifier(owner)) return owner.text === 'l10n';
  return (
    ts.isPropertyAccessExpression(owner) &&
    owner.name.text === 'l10n' &&
    ts.isIdentifier(owner.expression) &&
    owner.expression.text === 'vscode'
  );
}

/** The messages of the given TypeScript sources (path → text). */
export function extractL10n(sources: ReadonlyMap<string, string>): L10nExtraction {
  const messages = new Map<string, string>();
  const problems: string[] = [];
  for (const [path, text] of sources) {
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && isL10nCall(node)) {
        const message = node.arguments[0];
        if (message && (ts.isStringLiteral(message) || ts.isNoSubstitutionTemplateLiteral(message))) {
          if (!messages.has(message.text)) messages.set(message.text, message.text);
        } else {
          const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
          problems.push(`${path}:${line + 1}: the message of vscode.l10n.t must be a string literal (values go in {0}, {1} placeholders)`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { messages, problems };
}

/** Every `.ts` file under `dir` (recursively), path → text, in a stable order. */
export function readSources(dir: string): Map<string, string> {
  const files = (at: string): string[] =>
    readdirSync(at)
      .sort()
      .flatMap((name) => {
        const path = join(at, name);
        if (statSync(path).isDirectory()) return files(path);
        return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
      });
  return new Map(files(dir).map((path) => [path, readFileSync(path, 'utf8')]));
}

/** The bundle's text: keys sorted (stable diffs whatever the order of files), two-space JSON, final newline. */
export function bundleText(messages: ReadonlyMap<string, string>): string {
  const sorted = Object.fromEntries([...messages].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

function main(): number {
  const root = resolve(__dirname, '..', '..');
  const sourceDir = join(root, 'src', 'extension');
  const bundlePath = join(root, 'l10n', 'bundle.l10n.json');
  const sources = new Map([...readSources(sourceDir)].map(([path, text]) => [relative(root, path), text]));
  const { messages, problems } = extractL10n(sources);
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  const text = bundleText(messages);
  if (process.argv.includes('--check')) {
    const current = readFileSync(bundlePath, 'utf8');
    if (current !== text) process.stderr.write('l10n/bundle.l10n.json is stale: run `npm run l10n`\n');
    return problems.length > 0 || current !== text ? 1 : 0;
  }
  writeFileSync(bundlePath, text);
  process.stdout.write(`${relative(root, bundlePath)}: ${messages.size} messages\n`);
  return problems.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
