/**
 * `pinscope diff OLD NEW`: what changed between two sets of runs, per host — newly broken, newly fixed,
 * a changed cause, new hosts, hosts no longer contacted — in text, JSON and Markdown (a PR comment).
 * Each side is merged by the ladder first (mergedRuns.ts), so a folder of runs compares as one.
 */
import { byHostName } from '../hostNames';
import { categoryCounts } from './categoryCounts';
import { visibleControlCharacters, markdownText } from './textEscaping';
import type { MergedHost, MergedRuns } from './mergedRuns';

type ChangeKind = 'newly-broken' | 'newly-fixed' | 'changed-cause' | 'new-host' | 'gone';

interface HostChange {
  readonly host: string;
  readonly port: number;
  readonly change: ChangeKind;
  /** The host was not contacted in OLD at all. */
  readonly newHost: boolean;
  readonly before: string | null;
  readonly after: string | null;
}

export interface RunDiff {
  readonly oldRuns: number;
  readonly newRuns: number;
  readonly changes: readonly HostChange[];
  readonly unchanged: number;
}

/** One line for a host's merged state: "breaks: cert-rejected ×2 (unknown_ca); pinning likely, confirmed [ca-not-installed]". */
function describe(host: MergedHost): string {
  const { summary } = host;
  if (!summary.breaks) return host.status === 'tunnelled' ? 'tunnelled by choice' : host.status === 'unreachable' ? 'unreachable' : 'works';
  const broken = Object.fromEntries(Object.entries(summary.categories).filter(([c]) => c !== 'ok'));
  const alerts = summary.alerts.length > 0 ? ` (${summary.alerts.join(', ')})` : '';
  const cause = summary.cause && summary.cause !== 'pinning' && summary.cause !== 'none' ? ` [${summary.cause}]` : '';
  return `${host.status === 'flaky' ? 'flaky' : 'breaks'}: ${categoryCounts(broken, 'compact')}${alerts}; pinning ${summary.pinning}${summary.confirmed ? ', confirmed' : ''}${cause}`;
}

/**
 * What a cause is, for comparing: the evidence level and the cause. How the client ended a rejected
 * connection (a close, a reset, an alert) is not a cause: the same pinning curl may close in one run and
 * reset in the next.
 */
function causeKey(host: MergedHost): string {
  return `${host.level}|${host.summary.cause ?? ''}`;
}

const ORDER: readonly ChangeKind[] = ['newly-broken', 'changed-cause', 'newly-fixed', 'new-host', 'gone'];

export function diffRuns(before: MergedRuns, after: MergedRuns): RunDiff {
  const old = new Map(before.hosts.map((h) => [h.host, h]));
  const now = new Map(after.hosts.map((h) => [h.host, h]));
  const changes: HostChange[] = [];
  let unchanged = 0;
  for (const host of after.hosts) {
    const was = old.get(host.host);
    const change = (kind: ChangeKind): void =>
      void changes.push({
        host: host.host,
        port: host.summary.port,
        change: kind,
        newHost: !was,
        before: was ? describe(was) : null,
        after: describe(host),
      });
    if (host.summary.breaks && !was?.summary.breaks) change('newly-broken');
    else if (!host.summary.breaks && was?.summary.breaks) change('newly-fixed');
    else if (host.summary.breaks && was && causeKey(was) !== causeKey(host)) change('changed-cause');
    else if (!was) change('new-host');
    else unchanged += 1;
  }
  for (const was of before.hosts)
    if (!now.has(was.host))
      changes.push({ host: was.host, port: was.summary.port, change: 'gone', newHost: false, before: describe(was), after: null });
  changes.sort((a, b) => ORDER.indexOf(a.change) - ORDER.indexOf(b.change) || byHostName(a, b));
  return { oldRuns: before.runs.length, newRuns: after.runs.length, changes, unchanged };
}

const TITLES: Readonly<Record<ChangeKind, string>> = {
  'newly-broken': 'Newly broken',
  'changed-cause': 'Changed cause',
  'newly-fixed': 'Newly fixed',
  'new-host': 'New hosts (work)',
  gone: 'No longer contacted',
};

function headline(diff: RunDiff): string {
  const count = (kind: ChangeKind): number => diff.changes.filter((c) => c.change === kind).length;
  return `${count('newly-broken')} newly broken, ${count('newly-fixed')} newly fixed, ${count('changed-cause')} changed cause, ${count('new-host')} new host(s) that work, ${count('gone')} no longer contacted; ${diff.unchanged} unchanged (${diff.oldRuns} old run(s), ${diff.newRuns} new)`;
}

export function renderDiffText(diff: RunDiff): string {
  const lines = [`pinscope diff: ${headline(diff)}`];
  for (const kind of ORDER) {
    const items = diff.changes.filter((c) => c.change === kind);
    if (items.length === 0) continue;
    lines.push(`${TITLES[kind]}:`);
    for (const c of items)
      lines.push(
        `  ${visibleControlCharacters(`${c.host}:${c.port}`)}${c.newHost && kind !== 'new-host' ? ' (new host)' : ''}  ${visibleControlCharacters(c.before ?? 'not contacted')} -> ${visibleControlCharacters(c.after ?? 'not contacted')}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function renderDiffJson(diff: RunDiff): string {
  return `${JSON.stringify(diff, null, 2)}\n`;
}

export function renderDiffMarkdown(diff: RunDiff): string {
  const lines = ['### Pinscope: SSL inspection changes', '', markdownText(headline(diff)), ''];
  for (const kind of ORDER) {
    const items = diff.changes.filter((c) => c.change === kind);
    if (items.length === 0) continue;
    lines.push(`#### ${TITLES[kind]}`, '', '| Host | Before | After |', '| --- | --- | --- |');
    for (const c of items)
      lines.push(
        `| ${markdownText(`${c.host}:${c.port}`)}${c.newHost && kind !== 'new-host' ? ' (new host)' : ''} | ${markdownText(c.before ?? 'not contacted')} | ${markdownText(c.after ?? 'not contacted')} |`,
      );
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
