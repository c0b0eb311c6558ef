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

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? all;
  });
}

const NAME = /^[A-Za-z_:][\w.:-]*/;
const ATTRIBUTE = /([A-Za-z_:][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

export function parseXml(text: string): XmlDocument {
  const lines = new LineIndex(text);
  const problems: XmlProblem[] = [];
  const document: XmlElement = { name: '#document', line: 1, attributes: new Map(), children: [], text: '', textLine: 1 };
  const stack: XmlElement[] = [document];
  let i = 0;
  const addText = (raw: string, offset: number): void => {
    const top = stack.at(-1) ?? document;
    if (top.text.trim() === '' && raw.trim() !== '') top.textLine = lines.lineOf(offset + raw.length - raw.trimStart().length);
    top.text += raw;
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      addText(decodeEntities(text.slice(i)), i);
      break;
    }
    if (lt > i) addText(decodeEntities(text.slice(i, lt)), i);
    const line = lines.lineOf(lt);
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) {
        problems.push({ line, message: 'a comment is never closed (-->)' });
        break;
      }
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) {
        problems.push({ line, message: 'a CDATA section is never closed (]]>)' });
        break;
      }
      addText(text.slice(lt + 9, end), lt + 9);
      i = end + 3;
    } else if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) {
        problems.push({ line, message: 'a declaration is never closed (>)' });
        break;
      }
      i = end + 1;
    } else if (text[lt + 1] === '/') {
      const end = text.indexOf('>', lt);
      const name = text.slice(lt + 2, end < 0 ? undefined : end).trim();
      i = end < 0 ? text.length : end + 1;
      const index = stack.map((e) => e.name).lastIndexOf(name);
      if (index <= 0) {
        problems.push({ line, message: `</${name}> closes no open element` });
        continue;
      }
      for (const unclosed of stack.slice(index + 1)) problems.push({ line: unclosed.line, message: `<${unclosed.name}> is not closed before </${name}> (line ${line})` });
      stack.length = index;
    } else {
      const name = NAME.exec(text.slice(lt + 1, lt + 200))?.[0];
      if (!name) {
        problems.push({ line, message: 'a "<" that starts no element' });
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
        attributes.set(attribute[1], { value: decodeEntities(attribute[2] ?? attribute[3] ?? ''), line: lines.lineOf(j) });
        j = ATTRIBUTE.lastIndex;
      }
      if (!closed) {
        problems.push({ line, message: `the tag <${name}> is malformed or never closed` });
        const next = text.indexOf('>', j);
        const nextTag = text.indexOf('<', j);
        i = next >= 0 && (nextTag < 0 || next < nextTag) ? next + 1 : (nextTag >= 0 ? nextTag : text.length);
        continue;
      }
      const element: XmlElement = { name, line, attributes, children: [], text: '', textLine: line };
      (stack.at(-1) ?? document).children.push(element);
      if (!selfClosing) stack.push(element);
      i = j;
    }
  }
  for (const unclosed of stack.slice(1)) problems.push({ line: unclosed.line, message: `<${unclosed.name}> is never closed` });
  const roots = document.children;
  if (roots.length === 0 && problems.length === 0) problems.push({ line: 1, message: 'no XML element found' });
  return { root: roots[0] ?? null, problems };
}

export function childElements(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}
