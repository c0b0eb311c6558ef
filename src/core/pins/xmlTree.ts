/**
 * A tolerant XML reader for small configuration files (Android network security config, XML plists):
 * an element tree with line numbers, and a list of problems instead of an exception. What could be
 * read before or around an error is kept, so a half-broken file still yields its pins.
 */
import { LineIndex } from './sourceText';

interface XmlAttribute {
  readonly value: string;
  readonly line: number;
}

export interface XmlElement {
  readonly name: string;
  readonly line: number;
  readonly attributes: ReadonlyMap<string, XmlAttribute>;
  readonly children: XmlElement[];
  /** Text directly inside the element (entities decoded, CDATA included). */
  text: string;
  /** Line of the first non-blank text, or the element's line. */
  textLine: number;
}

interface XmlProblem {
  readonly line: number;
  readonly message: string;
}

export interface XmlDocument {
  readonly root: XmlElement | null;
  readonly problems: readonly XmlProblem[];
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** More problems than this in one file are counted, not listed. */
const MAX_PROBLEMS = 100;
/** A configuration file has a few hundred elements: reading stops beyond this (bounds memory on hostile input). */
const MAX_ELEMENTS = 50_000;
const NO_ATTRIBUTES: ReadonlyMap<string, XmlAttribute> = new Map();

/** Decodes the predefined entities and character references; a reference to no character is kept as written and reported. */
function decodeEntities(text: string, invalid: (reference: string) => void): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]{1,32});/gi, (all, name: string) => {
    if (!name.startsWith('#')) return ENTITIES[name] ?? all;
    const code = name.startsWith('#x') || name.startsWith('#X') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    if (code > 0x10ffff) {
      invalid(all);
      return all;
    }
    return String.fromCodePoint(code);
  });
}

const NAME = /^[A-Za-z_:][\w.:-]*/;
// A value stops at "<" (XML forbids it there): an unclosed quote cannot send the match to the end of the file.
const ATTRIBUTE = /([A-Za-z_:][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

export function parseXml(text: string): XmlDocument {
  const lines = new LineIndex(text);
  const problems: XmlProblem[] = [];
  let unlisted = 0;
  /** The message is only built when it will be listed. */
  const problem = (line: number, message: () => string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message: message() });
    else unlisted++;
  };
  let elements = 0;
  const document: XmlElement = { name: '#document', line: 1, attributes: new Map(), children: [], text: '', textLine: 1 };
  const stack: XmlElement[] = [document];
  /** Where each open element's name is on the stack: finding what a close tag closes without searching the stack. */
  const openByName = new Map<string, number[]>();
  const withText = new WeakSet<XmlElement>();
  let i = 0;
  const addText = (raw: string, offset: number): void => {
    const top = stack.at(-1) ?? document;
    const start = raw.search(/\S/);
    if (!withText.has(top) && start >= 0) {
      withText.add(top);
      top.textLine = lines.lineOf(offset + start);
    }
    top.text += raw;
  };
  const decode = (raw: string, offset: number): string =>
    decodeEntities(raw, (reference) => problem(lines.lineOf(offset), () => `${reference} is not a character`));
  const popTo = (depth: number): void => {
    for (const element of stack.splice(depth)) openByName.get(element.name)?.pop();
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      addText(decode(text.slice(i), i), i);
      break;
    }
    if (lt > i) addText(decode(text.slice(i, lt), i), i);
    const line = lines.lineOf(lt);
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) {
        problem(line, () => 'a comment is never closed (-->)');
        break;
      }
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) {
        problem(line, () => 'a CDATA section is never closed (]]>)');
        break;
      }
      addText(text.slice(lt + 9, end), lt + 9);
      i = end + 3;
    } else if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) {
        problem(line, () => 'a declaration is never closed (>)');
        break;
      }
      i = end + 1;
    } else if (text[lt + 1] === '/') {
      const end = text.indexOf('>', lt);
      const name = text.slice(lt + 2, end < 0 ? undefined : end).trim();
      i = end < 0 ? text.length : end + 1;
      const index = openByName.get(name)?.at(-1) ?? -1;
      if (index <= 0) {
        problem(line, () => `</${name.slice(0, 100)}> closes no open element`);
        continue;
      }
      for (const unclosed of stack.slice(index + 1))
        problem(unclosed.line, () => `<${unclosed.name}> is not closed before </${name}> (line ${line})`);
      popTo(index);
    } else {
      const name = NAME.exec(text.slice(lt + 1, lt + 200))?.[0];
      if (!name) {
        problem(line, () => 'a "<" that starts no element');
        addText('<', lt);
        i = lt + 1;
        continue;
      }
      const attributes = new Map<string, XmlAttribute>();
      let j = lt + 1 + name.length;
      let closed = false;
      let selfClosing = false;
      while (j < text.length) {
        while (/\s/.test(text[j] ?? '')) j++;
        if (text.startsWith('/>', j)) {
          selfClosing = true;
          closed = true;
          j += 2;
          break;
        }
        if (text[j] === '>') {
          closed = true;
          j += 1;
          break;
        }
        ATTRIBUTE.lastIndex = j;
        const attribute = ATTRIBUTE.exec(text);
        if (!attribute?.[1]) break;
        attributes.set(attribute[1], { value: decode(attribute[2] ?? attribute[3] ?? '', j), line: lines.lineOf(j) });
        j = ATTRIBUTE.lastIndex;
      }
      if (!closed) {
        problem(line, () => `the tag <${name}> is malformed or never closed`);
        // Resume after its ">" if one comes before the next "<", else at that "<" (never searching past it).
        const found = text.indexOf('<', j);
        const nextTag = found < 0 ? text.length : found;
        const next = text.slice(j, nextTag).indexOf('>');
        i = next >= 0 ? j + next + 1 : nextTag;
        continue;
      }
      if (++elements > MAX_ELEMENTS) {
        problem(line, () => `more than ${MAX_ELEMENTS} elements: the rest of the file was not read`);
        break;
      }
      const element: XmlElement = {
        name,
        line,
        attributes: attributes.size > 0 ? attributes : NO_ATTRIBUTES,
        children: [],
        text: '',
        textLine: line,
      };
      (stack.at(-1) ?? document).children.push(element);
      if (!selfClosing) {
        const positions = openByName.get(name) ?? [];
        positions.push(stack.length);
        openByName.set(name, positions);
        stack.push(element);
      }
      i = j;
    }
  }
  for (const unclosed of stack.slice(1)) problem(unclosed.line, () => `<${unclosed.name}> is never closed`);
  const roots = document.children;
  if (roots.length === 0 && problems.length === 0) problem(1, () => 'no XML element found');
  if (unlisted > 0) problems.push({ line: problems.at(-1)?.line ?? 1, message: `and ${unlisted} more problems` });
  return { root: roots[0] ?? null, problems };
}

export function childElements(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}
