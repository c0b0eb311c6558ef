/** `pinscope diff OLD NEW`: which hosts newly break, were fixed, changed cause, or are new, between two sets of runs. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { diffRuns, renderDiffJson, renderDiffMarkdown, renderDiffText } from '../core/report/runDiff';
import { readMergedRecordings } from './recordingArguments';
import { EXIT_POLICY, UsageError } from './usage';

const DIFF_HELP = `Usage: pinscope diff OLD NEW [--format text|json|markdown] [--out FILE] [--fail-on-new]

Compares two sets of runs: OLD and NEW are each a recording (*.pinscope.jsonl, 'pinscope run --events'),
a folder of them, or - for standard input; several runs on a side are merged first (the strongest
evidence per host wins). Lists hosts newly broken, newly fixed, whose cause changed, new hosts, and
hosts no longer contacted. --format markdown suits a pull-request comment.

Options:
  --format FORMAT   text (default), json or markdown
  --out FILE        write there instead of standard output
  --fail-on-new     exit ${EXIT_POLICY} when a host is newly broken
  -h, --help        show this help
`;

const RENDER = { text: renderDiffText, json: renderDiffJson, markdown: renderDiffMarkdown } as const;

export async function diffCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      'fail-on-new': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(DIFF_HELP);
    return 0;
  }
  const format = values.format ?? 'text';
  if (!(format in RENDER)) throw new UsageError(`--format expects text, json or markdown, got "${format}"`);
  const [before, after, ...extra] = positionals;
  if (before === undefined || after === undefined || extra.length > 0)
    throw new UsageError(`pinscope diff needs exactly two recordings or folders, OLD and NEW (got ${positionals.length})`);
  if (before === '-' && after === '-') throw new UsageError('only one side can be read from standard input');
  const old = await readMergedRecordings('diff', [before]);
  const now = await readMergedRecordings('diff', [after]);
  const diff = diffRuns(old.merged, now.merged);
  const text = RENDER[format as keyof typeof RENDER](diff);
  if (values.out) {
    const out = values.out;
    await writeFile(out, text).catch((error: unknown) => {
      throw new UsageError(`cannot write --out ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    });
  } else {
    process.stdout.write(text);
  }
  return values['fail-on-new'] && diff.changes.some((c) => c.change === 'newly-broken') ? EXIT_POLICY : 0;
}
