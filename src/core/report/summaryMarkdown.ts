/** A short Markdown per-host summary (`pinscope run --report`). */
import { categoryCounts } from './categoryCounts';
import type { HostSummary } from '../diagnosis/hostSummary';
import { breakageHeadline } from '../diagnosis/hostSummary';
import { markdownText, visibleControlCharacters } from './textEscaping';

export function renderSummaryMarkdown(hosts: readonly HostSummary[], context: { command: string }): string {
  const lines = [
    '# Pinscope: SSL inspection check',
    '',
    `Command: \`${visibleControlCharacters(context.command.replace(/`/g, "'"))}\``,
    '',
    `**${breakageHeadline(hosts)}.**`,
    '',
    '| Host | Outcome | Pinning | Connections |',
    '| --- | --- | --- | --- |',
    ...hosts.map(
      (h) =>
        `| ${markdownText(h.host)} | ${h.breaks ? 'breaks' : 'ok'} (${categoryCounts(h.categories, 'list')}) | ${h.breaks ? h.pinning + (h.confirmed ? ' (confirmed)' : '') : '–'} | ${h.connections} |`,
    ),
    '',
  ];
  for (const h of hosts.filter((x) => x.breaks)) {
    lines.push(`## ${markdownText(h.host)}`, '', ...causeLines(h), ...h.evidence.map((e) => `- ${markdownText(e)}`), '');
  }
  return lines.join('\n');
}

/** What the cause means for an exemption request, and the fix, when the judgement named one. */
function causeLines(h: HostSummary): string[] {
  const words: Partial<Record<NonNullable<HostSummary['cause']>, string>> = {
    'ca-not-installed': 'Not pinning: the CA is not installed where this app looks (a test-setup gap)',
    'app-own-trust-store':
      "The app's own trust store: it breaks under real inspection on every managed machine; exempt it, or make the app use the OS store",
  };
  const cause = h.cause ? words[h.cause] : undefined;
  return [...(cause ? [`- **${markdownText(cause)}**`] : []), ...(h.fix ? [`- Fix: ${markdownText(h.fix)}`] : [])];
}
