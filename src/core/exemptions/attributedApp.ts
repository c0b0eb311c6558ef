/**
 * The apps process attribution saw behind the requested hosts' breaking connections, as candidates for
 * the name an exemption request is titled with: most connections first. A generic tool (curl, wget, an
 * interpreter or runtime such as python3, node, java, ruby, php, a shell, a package manager, a binary
 * built by `go run` or `go test`) runs someone's code but is not the app: it is never proposed. The command
 * line is not used: it may hold more than a security team should see, even redacted.
 */
import { BREAKAGE } from '../../shared/vocabulary';
import { classify } from '../diagnosis/classification';
import { targetHost, type ConnectionRecord } from '../timeline';
import type { ProcessRecord } from '../record/client';

const MAX_NAME = 80;

/** Clients, interpreters, runtimes, shells and build tools: the program that ran, never the app it ran. */
const GENERIC_TOOL =
  /^(?:curl|wget|wget2|aria2c|httpie|http|https|xh|openssl|gnutls-cli|nc|ncat|netcat|socat|telnet|ssh|git|python[\d.]*|pythonw|pypy[\d.]*|node|nodejs|deno|bun|java|javaw|jshell|kotlin|ruby[\d.]*|irb|php[\d.]*|php-cgi|php-fpm[\d.]*|perl[\d.]*|go|dotnet|mono|sh|bash|zsh|dash|ksh|fish|pwsh|powershell|cmd|npm|npx|yarn|pnpm|pip[\d.]*|pipx|uv|poetry|gradle|gradlew|mvn|mvnw|bundle|rake|gem|composer|cargo|make|env|sudo|timeout|xargs)$/;

/** Whether a process is a generic tool rather than an app (its name, or a throwaway `go run`/`go test` binary). */
export function isGenericTool(process: Pick<ProcessRecord, 'name' | 'path'>): boolean {
  const name = (process.name ?? '')
    .trim()
    .toLowerCase()
    .replace(/\.exe$/, '');
  const path = (process.path ?? '').replace(/\\/g, '/');
  if (/\/go-build\d*\//.test(path) || name.endsWith('.test')) return true;
  return name === '' || GENERIC_TOOL.test(name);
}

/** The apps behind the breaking connections of these hosts (all hosts when none are given), most connections first. */
export function attributedAppNames(records: readonly ConnectionRecord[], hosts: readonly string[] = []): string[] {
  const wanted = new Set(hosts);
  const counts = new Map<string, number>();
  for (const record of records) {
    const process = record.client?.process;
    if (process?.kind !== 'local' || !record.finished || isGenericTool(process)) continue;
    if (wanted.size > 0 && !wanted.has(targetHost(record))) continue;
    if (!BREAKAGE.has(classify(record).category)) continue;
    const name = (process.name ?? '').trim().slice(0, MAX_NAME);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
}

/** The app most of those connections came from, if any is more than a generic tool. */
export function attributedAppName(records: readonly ConnectionRecord[], hosts: readonly string[] = []): string | undefined {
  return attributedAppNames(records, hosts)[0];
}
