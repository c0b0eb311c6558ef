/** Escaping for text that came off the network, per output format. */

/**
 * Unicode bidirectional controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM): invisible, they
 * reorder what follows ("Trojan Source"), so a host name could read as another one.
 */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Bidi controls shown as `\u202e`, every other character as it is. */
export function visibleBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Control characters (C0, DEL, C1) shown as `\xNN`, bidi controls as `\uNNNN`: never interpreted by a terminal, editor or viewer. */
export function visibleControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return visibleBidiControls(text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** Markdown inline text: no markup, no HTML, no line breaks, no control characters (hostnames' dots and hyphens stay as they are). */
export function markdownText(text: string): string {
  return visibleControlCharacters(text.replace(/[\r\n\t]+/g, ' ').replace(/[\\`*_{}[\]<>|~#&]/g, (c) => `\\${c}`));
}
