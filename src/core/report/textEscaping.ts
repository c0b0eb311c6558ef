/** Escaping for text that came off the network, per output format. */

/** Control characters (C0, DEL, C1) shown as `\xNN`: never interpreted by a terminal, editor or viewer. */
export function visibleControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Markdown inline text: no markup, no HTML, no line breaks, no control characters (hostnames' dots and hyphens stay as they are). */
export function markdownText(text: string): string {
  return visibleControlCharacters(text.replace(/[\r\n\t]+/g, ' ').replace(/[\\`*_{}[\]<>|~#&]/g, (c) => `\\${c}`));
}
