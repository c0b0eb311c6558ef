/** Escaping for text that came off the network, per output format. */

/** Markdown inline text: no markup, no HTML, no line breaks (hostnames' dots and hyphens stay as they are). */
export function markdownText(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[\\`*_{}[\]<>|~#&]/g, (c) => `\\${c}`);
}
