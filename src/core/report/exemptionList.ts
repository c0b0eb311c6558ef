/**
 * The hosts a security team already approved, read back from whatever Pinscope exported for them: a
 * vendor snippet (URL lists, JSON for an API, Terraform, CLI lines, PAC, squid, CPL, regexes), an evidence
 * report (Markdown, JSON, CSV — only its *requested* hosts, never "verify first") or a plain list, one
 * host a line. Entries for a domain and its subdomains (".d", "*.d", `dnsDomainIs`, `url.domain=`,
 * `(.+\.)?d`) cover every host below the domain. Comments count only where they list the hosts.
 */
import { HOSTNAME, hostName } from '../hostNames';

export interface ExemptionList {
  /** Exact hosts. */
  readonly hosts: ReadonlySet<string>;
  /** Domains whose subdomains (and the domain itself) are covered. */
  readonly domains: ReadonlySet<string>;
}

const TOKEN = /(?:\*\.|\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]*[a-z0-9]/gi;
const COMMENT = /^\s*(?:#|\/\/|;|--)\s*/;
/** JSON fields that describe the request rather than list its hosts. */
const PROSE_FIELDS = new Set([
  '_comment',
  'description',
  'justification',
  'evidence',
  'warnings',
  'snippet',
  'environment',
  'verifyFirst',
  'knownBypasses',
  'inventory',
  'runs',
  'timeline',
  'chain',
  'generatedAt',
  'app',
]);

class Collector {
  readonly hosts = new Set<string>();
  readonly domains = new Set<string>();

  /** The host names in a piece of text: exact ones, and domains marked as covering their subdomains. */
  text(text: string, everyTokenIsDomain = false): void {
    const plain = text
      .replace(/\(\.\+\\\.\)\?/g, '*.')
      .replace(/\\\./g, '.')
      .replace(/url\.domain=/gi, 'url.domain=.');
    for (const match of plain.matchAll(TOKEN)) {
      const raw = match[0].toLowerCase();
      if (raw.startsWith('url.')) continue;
      const domain = everyTokenIsDomain || raw.startsWith('.') || raw.startsWith('*.');
      const name = raw.replace(/^\*?\./, '');
      const tld = name.split('.').pop() ?? '';
      if (!HOSTNAME.test(name) || !(/[a-z]/.test(tld) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name))) continue;
      (domain ? this.domains : this.hosts).add(name);
    }
  }

  json(value: unknown, key = ''): void {
    if (PROSE_FIELDS.has(key)) return;
    if (typeof value === 'string') {
      // Cloudflare's `http.conn.domains[*] in {"d"}` covers d's subdomains.
      for (const part of value.split(/(?=http\.conn\.)/))
        this.text(part.replace(/http\.conn\.(?:domains\[\*\]|hostname)/g, ''), part.startsWith('http.conn.domains'));
    } else if (Array.isArray(value)) {
      for (const item of value) this.json(item, key);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) this.json(v, k);
    }
  }
}

function reportJson(value: Record<string, unknown>, into: Collector): boolean {
  const exemption = value['exemption'];
  if (typeof exemption !== 'object' || exemption === null || !Array.isArray((exemption as Record<string, unknown>)['entries']))
    return false;
  for (const entry of (exemption as { entries: unknown[] }).entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { kind, value: name, hosts } = entry as Record<string, unknown>;
    if (typeof name === 'string') into.text(name, kind === 'domain');
    if (Array.isArray(hosts)) for (const host of hosts) if (typeof host === 'string') into.text(host);
  }
  return true;
}

/** Only the "Requested exemption" table of a Markdown report (its other sections name hosts not requested). */
function reportMarkdown(text: string, into: Collector): void {
  const start = text.indexOf('## Requested exemption');
  const rest = text.slice(start);
  const end = rest.slice(3).search(/\n#{2,3} /);
  for (const line of (end < 0 ? rest : rest.slice(0, end + 3)).split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| Entry') || line.startsWith('| ---')) continue;
    const [entry = '', covers = ''] = line.split(' | ');
    into.text(covers);
    into.text(entry.replace(/\\/g, ''), entry.includes('and subdomains'));
  }
}

function reportCsv(text: string, into: Collector): void {
  for (const line of text.split(/\r?\n/).slice(1)) {
    const [host = '', , request = ''] = line.split(',');
    if (request === 'requested') into.text(host);
  }
}

/** The hosts and domains in an exported exemption (any format Pinscope writes, or a plain list). */
export function parseExemptionList(text: string): ExemptionList {
  const into = new Collector();
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      value = undefined;
    }
    if (typeof value === 'object' && value !== null) {
      if (!reportJson(value as Record<string, unknown>, into)) into.json(value);
      return into;
    }
  }
  if (/^# SSL inspection exemption request/m.test(text)) reportMarkdown(text, into);
  else if (trimmed.startsWith('host,port,request')) reportCsv(text, into);
  else {
    for (const line of text.split(/\r?\n/)) {
      const comment = COMMENT.exec(line);
      if (!comment) into.text(line);
      else if (/^hosts:/i.test(line.slice(comment[0].length))) into.text(line.slice(comment[0].length + 6));
    }
  }
  return into;
}

export function isExempted(host: string, list: ExemptionList): boolean {
  const name: string = hostName(host);
  if (list.hosts.has(name) || list.domains.has(name)) return true;
  for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) if (list.domains.has(name.slice(dot + 1))) return true;
  return false;
}
