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
    ...hosts.map((h) => `| ${markdownText(h.host)} | ${h.breaks ? 'breaks' : 'ok'} (${categoryCounts(h.categories, 'list')}) | ${h.breaks ? h.pinning + (h.confirmed ? ' (confirmed)' : '') : '–'} | ${h.connections} |`),
    '',
  ];
  for (const h of hosts.filter((x) => x.breaks)) {
    lines.push(`## ${markdownText(h.host)}`, '', ...h.evidence.map((e) => `- ${markdownText(e)}`), '');
  }
  return lines.join('\n');
}
