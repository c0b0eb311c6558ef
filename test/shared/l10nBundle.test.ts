/** The English l10n bundle holds exactly the messages the extension passes to `vscode.l10n.t`. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import * as ts from 'typescript';
import { bundleText, extractL10n, readSources } from '../../scripts/extractL10n';

const ROOT = resolve(__dirname, '..', '..', '..');
/** Folders of src/extension whose owners convert them later; the bundle check covers them already. */
/** Calls whose first argument the user reads, and options the user reads. */
const SHOWN_CALLS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'setStatusBarMessage']);
const SHOWN_OPTIONS = new Set(['title', 'prompt', 'placeHolder', 'detail']);

/** `file:line` of each notification, status message, title or prompt written as a bare string. */
function bareStrings(sources: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [path, text] of sources) {
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const bare = (node: ts.Node | undefined): boolean =>
      node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node));
    const at = (node: ts.Node): string => `${path}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        SHOWN_CALLS.has(node.expression.name.text) &&
        bare(node.arguments[0])
      )
        found.push(at(node));
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && SHOWN_OPTIONS.has(node.name.text) && bare(node.initializer))
        found.push(at(node));
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

describe('l10n extraction', () => {
  it('reads string-literal messages of vscode.l10n.t and l10n.t, once each, and nothing else', () => {
    const { messages, problems } = extractL10n(
      new Map([
        ['a.ts', "vscode.l10n.t('Pinscope is listening on {0}.', url); vscode.l10n.t(`Clear`); other.t('not a message'); t('nor this');"],
        ['b.ts', "import { l10n } from 'vscode'; l10n.t('Clear'); l10n.t(\"It's {0}\", x);"],
      ]),
    );
    assert.deepEqual([...messages.keys()], ['Pinscope is listening on {0}.', 'Clear', "It's {0}"]);
    assert.deepEqual(problems, []);
  });

  it('reports a computed message with its place, since it could never be translated', () => {
    const { messages, problems } = extractL10n(new Map([['c.ts', "const x = 1;\nvscode.l10n.t(`Port ${x}`);\nvscode.l10n.t('a' + b);"]]));
    assert.equal(messages.size, 0);
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /^c\.ts:2: /);
    assert.match(problems[1] ?? '', /^c\.ts:3: /);
  });

  it('writes sorted keys, each its own English text', () => {
    assert.equal(
      bundleText(
        new Map([
          ['b', 'b'],
          ['a {0}', 'a {0}'],
        ]),
      ),
      '{\n  "a {0}": "a {0}",\n  "b": "b"\n}\n',
    );
  });
});

describe('l10n/bundle.l10n.json', () => {
  const { messages, problems } = extractL10n(readSources(join(ROOT, 'src', 'extension')));
  const bundle = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;

  it('has exactly the messages used in src/extension (run `npm run l10n` after changing one)', () => {
    const used = [...messages.keys()].sort();
    const bundled = Object.keys(bundle).sort();
    assert.deepEqual(
      { missing: used.filter((m) => !(m in bundle)), unused: bundled.filter((m) => !messages.has(m)) },
      { missing: [], unused: [] },
    );
    for (const [key, text] of Object.entries(bundle)) assert.equal(text, key);
  });

  it('is fed only string literals', () => assert.deepEqual(problems, []));

  it("is where the extension's notifications, titles and prompts come from: none is a bare string", () => {
    const converted = new Map([...readSources(join(ROOT, 'src', 'extension'))]);
    assert.ok(converted.size > 10);
    assert.deepEqual(bareStrings(converted), []);
  });

  it('finds a bare notification, title or prompt (the check above can fail)', () => {
    const found = bareStrings(
      new Map([
        [
          'd.ts',
          "vscode.window.showErrorMessage(`Pinscope: ${x}`);\nshowQuickPick(items, { title: 'Pick' });\nwindow.showInformationMessage(vscode.l10n.t('Fine'));",
        ],
      ]),
    );
    assert.deepEqual(found, ['d.ts:1', 'd.ts:2']);
  });
});
