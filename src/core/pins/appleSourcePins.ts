/**
 * Pins configured in Swift / Objective-C code: TrustKit's `kTSKPinnedDomains` dictionary (also from
 * React Native's native side) and Alamofire's `ServerTrustManager(evaluators:)`.
 */
import type { FileScan, PinConfiguration } from './pinConfiguration';
import {
  blankComments,
  SourceCode,
  dictionaryEntries,
  LineIndex,
  literalOpen,
  splitArguments,
  stringConstants,
  stringItems,
} from './sourceText';

const TRUE = /^(?:@?YES|true|@?\(?YES\)?|@true|kCFBooleanTrue)$/;
const FALSE = /^(?:@?NO|false|@false|kCFBooleanFalse)$/;

export function scanTrustKitCode(file: string, text: string): FileScan {
  if (!text.includes('TSKPinnedDomains')) return { configurations: [], problems: [] };
  const code = blankComments(text, 'c');
  const source = new SourceCode(code);
  const lines = new LineIndex(code);
  const constants = stringConstants(code);
  const configurations: PinConfiguration[] = [];
  for (const match of code.matchAll(/\bk?TSKPinnedDomains\b\s*:/g)) {
    const open = literalOpen(code, match.index + match[0].length);
    if (open < 0) continue;
    for (const domain of dictionaryEntries(source, open, constants)) {
      const settings = literalOpen(code, domain.valueOffset);
      const entries = settings < 0 ? [] : dictionaryEntries(source, settings, constants);
      const setting = (name: string): (typeof entries)[number] | undefined => entries.find((e) => e.key.replace(/^k/, '') === name);
      const hashes = setting('TSKPublicKeyHashes');
      const hashesOpen = hashes ? literalOpen(code, hashes.valueOffset) : -1;
      const items = hashesOpen < 0 ? [] : stringItems(source, hashesOpen, constants);
      const enforce = setting('TSKEnforcePinning')?.value.trim();
      const expiration = /"(\d{4}-\d{2}-\d{2})/.exec(setting('TSKExpirationDate')?.value ?? '')?.[1];
      const line = lines.lineOf(domain.keyOffset);
      const unresolved = items.filter((i) => i.value === null).length;
      configurations.push({
        file,
        line,
        ecosystem: 'trustkit',
        kind: 'pins',
        hosts: [
          {
            domain: domain.key.toLowerCase(),
            match: TRUE.test(setting('TSKIncludeSubdomains')?.value.trim() ?? '') ? 'subdomains' : 'exact',
            line,
          },
        ],
        pins: items.flatMap((i) =>
          i.value === null ? [] : [{ kind: 'spki-sha256' as const, value: i.value, line: lines.lineOf(i.offset) }],
        ),
        ...(unresolved > 0 ? { unresolvedPins: unresolved } : {}),
        detail: `TrustKit kTSKPinnedDomains${unresolved > 0 ? ` (${unresolved} pin${unresolved === 1 ? '' : 's'} not resolved statically)` : ''}`,
        ...(expiration ? { expiration } : {}),
        ...(enforce !== undefined && FALSE.test(enforce) ? { notEnforced: 'kTSKEnforcePinning is false: failures are only reported' } : {}),
      });
    }
  }
  return { configurations, problems: [] };
}

const PINNING_EVALUATORS: Readonly<Record<string, string>> = {
  PinnedCertificatesTrustEvaluator: 'certificates in the app bundle',
  PublicKeysTrustEvaluator: 'public keys of the certificates in the app bundle',
};

export function scanAlamofire(file: string, text: string): FileScan {
  if (!text.includes('ServerTrustManager')) return { configurations: [], problems: [] };
  const code = blankComments(text, 'c');
  const source = new SourceCode(code);
  const lines = new LineIndex(code);
  const constants = stringConstants(code);
  const configurations: PinConfiguration[] = [];
  for (const match of code.matchAll(/\bServerTrustManager\s*\(/g)) {
    const split = splitArguments(source, match.index + match[0].length - 1);
    const evaluators = split?.args.find((a) => /^evaluators\s*:/.test(a.text));
    if (!evaluators) continue;
    let open = literalOpen(code, evaluators.offset + evaluators.text.indexOf(':') + 1);
    if (open < 0) {
      // `evaluators: evaluators` — a dictionary declared elsewhere in the file.
      const name = evaluators.text.replace(/^evaluators\s*:\s*/, '').trim();
      const declaration = new RegExp(`\\b(?:let|var)\\s+${name.replace(/\W/g, '')}\\s*(?::[^=]+)?=`).exec(code);
      if (declaration) open = literalOpen(code, declaration.index + declaration[0].length);
    }
    if (open < 0) continue;
    for (const entry of dictionaryEntries(source, open, constants)) {
      const evaluator = /^(\w+)/.exec(entry.value)?.[1] ?? '';
      const source = PINNING_EVALUATORS[evaluator];
      if (!source) continue;
      const line = lines.lineOf(entry.keyOffset);
      configurations.push({
        file,
        line,
        ecosystem: 'alamofire',
        kind: 'pins',
        hosts: [{ domain: entry.key.toLowerCase(), match: 'exact', line }],
        pins: [{ kind: 'certificate-file', value: source, line }],
        detail: `Alamofire ServerTrustManager › ${evaluator}`,
      });
    }
  }
  return { configurations, problems: [] };
}
