/**
 * OkHttp `CertificatePinner.Builder().add(pattern, "sha256/…", …)` in Kotlin and Java. Patterns:
 * `api.example.com` (exact), `*.example.com` (one label), `**.example.com` (the domain and any depth).
 * Hosts and pins may be constants of the same file, concatenated or templated.
 */
import type { FileScan, HostMatch, Pin, PinConfiguration, PinnedHost } from './pinConfiguration';
import { blankComments, SourceCode, evaluateString, LineIndex, splitArguments, stringConstants } from './sourceText';

function okHttpHost(pattern: string, line: number): PinnedHost {
  const lower = pattern.trim().toLowerCase();
  const [prefix, match]: [string, HostMatch] = lower.startsWith('**.')
    ? ['**.', 'any-depth']
    : lower.startsWith('*.')
      ? ['*.', 'one-label']
      : ['', 'exact'];
  return { domain: lower.slice(prefix.length), match, line };
}

/** Length of a base64 SHA-256 / SHA-1 digest. */
const DIGEST_LENGTH: Readonly<Record<string, number>> = { sha256: 44, sha1: 28 };

/**
 * `sha256/BASE64` or `sha1/BASE64` (OkHttp's form); also curl's `sha256//BASE64` (react-native-ssl-pinning).
 * Base64 may itself start with `/`, so the extra slash is only dropped when the rest is one digest too long.
 */
export function prefixedPin(value: string, line: number): Pin | null {
  const match = /^(sha256|sha1)\/(\S+)$/.exec(value.trim());
  const algorithm = match?.[1];
  let digest = match?.[2];
  if (!algorithm || !digest) return null;
  if (digest.startsWith('/') && digest.length === (DIGEST_LENGTH[algorithm] ?? 0) + 1) digest = digest.slice(1);
  return { kind: algorithm === 'sha256' ? 'spki-sha256' : 'spki-sha1', value: digest, line };
}

export function scanOkHttp(file: string, text: string): FileScan {
  if (!text.includes('CertificatePinner')) return { configurations: [], problems: [] };
  const code = blankComments(text, 'c');
  const source = new SourceCode(code);
  const lines = new LineIndex(code);
  const constants = stringConstants(code);
  const configurations: PinConfiguration[] = [];
  for (const call of code.matchAll(/(?:^|[.\s{;])add\s*\(/gm)) {
    const open = call.index + call[0].length - 1;
    const split = splitArguments(source, open);
    const [hostArg, ...pinArgs] = split?.args ?? [];
    if (!hostArg || pinArgs.length === 0) continue;
    const values = pinArgs.map((arg) => ({ arg, value: evaluateString(arg.text, constants) }));
    const pins = values.flatMap(({ arg, value }) => {
      const pin = value === null ? null : prefixedPin(value, lines.lineOf(arg.offset));
      return pin ? [pin] : [];
    });
    const unresolved = values.filter((v) => v.value === null).length;
    if (pins.length === 0 && !values.some(({ arg }) => /sha(256|1)|pin/i.test(arg.text))) continue;
    const host = evaluateString(hostArg.text, constants);
    const line = lines.lineOf(hostArg.offset);
    configurations.push({
      file,
      line,
      ecosystem: 'okhttp',
      kind: 'pins',
      hosts: host === null ? [] : [okHttpHost(host, line)],
      pins,
      ...(unresolved > 0 ? { unresolvedPins: unresolved } : {}),
      detail: `CertificatePinner.Builder().add${host === null ? ` (host ${hostArg.text} not resolved statically)` : ''}${unresolved > 0 ? ` (${unresolved} pin${unresolved === 1 ? '' : 's'} not resolved statically)` : ''}`,
    });
  }
  return { configurations, problems: [] };
}
