/** What `pinscope run` tells a CI system: a JUnit file (--junit) and, on GitHub Actions, annotations. */
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ParseArgsConfig } from 'node:util';
import type { HostSummary } from '../core/diagnosis/hostSummary';
import { githubAnnotations } from '../core/report/githubAnnotations';
import { renderJunit, type FailOn } from '../core/report/junit';

export const CI_FLAGS = {
  junit: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface CiReportOptions {
  readonly junit: string | undefined;
  readonly command: string;
  readonly failOn: FailOn;
  readonly startedAt: Date;
  /** Known breaks (baseline, approved list, known bypasses): skipped, not failed. */
  readonly known?: ReadonlyMap<string, string>;
}

export async function writeCiReports(hosts: readonly HostSummary[], options: CiReportOptions): Promise<void> {
  if (options.junit) {
    const xml = renderJunit(hosts, {
      command: options.command,
      failOn: options.failOn,
      startedAt: options.startedAt,
      durationMs: Date.now() - options.startedAt.getTime(),
      hostname: hostname(),
      ...(options.known ? { known: options.known } : {}),
    });
    await writeFile(options.junit, xml);
  }
  if (process.env['GITHUB_ACTIONS'] === 'true') process.stdout.write(githubAnnotations(hosts, options.failOn, options.known));
}
