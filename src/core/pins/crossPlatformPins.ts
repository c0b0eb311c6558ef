/**
 * Flutter/Dart pinning packages (http_certificate_pinning, ssl_pinning_plugin) and React Native ones
 * (react-native-ssl-public-key-pinning, react-native-ssl-pinning).
 */
import { certificateFingerprint } from './customValidation';
import { prefixedPin } from './okhttpPins';
import type { Pin, PinConfiguration, PinnedHost } from './pinConfiguration';
import {
  blankComments,
  SourceCode,
  dictionaryEntries,
  evaluateString,
  LineIndex,
  literalOpen,
  splitArguments,
  splitKeyValue,
  stringConstants,
  stringItems,
} from './sourceText';

function hostOfUrl(url: string | null, line: number): PinnedHost[] {
  if (url === null) return [];
  try {
    return [{ domain: new URL(url).hostname.toLowerCase(), match: 'exact', line }];
  } catch {
    return [];
  }
}

/** `HttpCertificatePinning.check(serverURL: …, sha: SHA.SHA256, allowedSHAFingerprints: [...])`, `SslPinningPlugin.check(...)`, `CertificatePinningInterceptor(allowedSHAFingerprints: [...])`. */
export function scanDartPackages(file: string, text: string): PinConfiguration[] {
  if (!text.includes('allowedSHAFingerprints')) return [];
  const code = blankComments(text, 'c');
  const source = new SourceCode(code);
  const lines = new LineIndex(code);
  const constants = stringConstants(code);
  const configurations: PinConfiguration[] = [];
  for (const match of code.matchAll(
    /\b(HttpCertificatePinning\s*\.\s*check|SslPinningPlugin\s*\.\s*check|CertificatePinningInterceptor)\s*\(/g,
  )) {
    const split = splitArguments(source, match.index + match[0].length - 1);
    if (!split) continue;
    const named = new Map(
      split.args.flatMap((a) => {
        const kv = splitKeyValue(a.text);
        return kv ? [[kv.key, { ...kv, offset: a.offset }] as const] : [];
      }),
    );
    const fingerprints = named.get('allowedSHAFingerprints');
    const open = fingerprints ? literalOpen(code, fingerprints.offset + fingerprints.valueOffset) : -1;
    const pins: Pin[] = (open < 0 ? [] : stringItems(source, open, constants)).flatMap((item) => {
      const pin = item.value === null ? null : certificateFingerprint(item.value);
      return pin ? [{ ...pin, line: lines.lineOf(item.offset) }] : [];
    });
    const url = named.get('serverURL');
    const line = lines.lineOf(match.index);
    const hosts = url ? hostOfUrl(evaluateString(url.value, constants), line) : [];
    const call = (match[1] ?? '').replace(/\s/g, '');
    configurations.push({
      file,
      line,
      ecosystem: 'flutter',
      kind: hosts.length > 0 ? 'pins' : 'custom-validation',
      hosts,
      pins,
      detail: `${call} (certificate fingerprints)`,
    });
  }
  return configurations;
}

/** `initializeSslPinning({ 'host': { includeSubdomains, publicKeyHashes: [...] } })` and react-native-ssl-pinning's `fetch(url, { sslPinning: { certs } })`. */
export function scanReactNative(file: string, text: string): PinConfiguration[] {
  const configurations: PinConfiguration[] = [];
  const usesPublicKeyPinning = text.includes('initializeSslPinning');
  const usesSslPinning = text.includes('react-native-ssl-pinning');
  if (!usesPublicKeyPinning && !usesSslPinning) return configurations;
  const code = blankComments(text, 'c');
  const source = new SourceCode(code);
  const lines = new LineIndex(code);
  const constants = stringConstants(code);
  for (const match of code.matchAll(/\binitializeSslPinning\s*\(/g)) {
    const open = literalOpen(code, match.index + match[0].length);
    if (open < 0) continue;
    for (const domain of dictionaryEntries(source, open, constants)) {
      const settingsOpen = literalOpen(code, domain.valueOffset);
      const settings = settingsOpen < 0 ? [] : dictionaryEntries(source, settingsOpen, constants);
      const hashes = settings.find((s) => s.key === 'publicKeyHashes');
      const hashesOpen = hashes ? literalOpen(code, hashes.valueOffset) : -1;
      const line = lines.lineOf(domain.keyOffset);
      configurations.push({
        file,
        line,
        ecosystem: 'react-native',
        kind: 'pins',
        hosts: [
          {
            domain: domain.key.toLowerCase(),
            match: settings.find((s) => s.key === 'includeSubdomains')?.value.trim() === 'true' ? 'subdomains' : 'exact',
            line,
          },
        ],
        pins: (hashesOpen < 0 ? [] : stringItems(source, hashesOpen, constants)).flatMap((i) =>
          i.value === null ? [] : [{ kind: 'spki-sha256' as const, value: i.value, line: lines.lineOf(i.offset) }],
        ),
        detail: 'react-native-ssl-public-key-pinning initializeSslPinning',
      });
    }
  }
  if (usesSslPinning) {
    for (const match of code.matchAll(/\bfetch\s*\(/g)) {
      const split = splitArguments(source, match.index + match[0].length - 1);
      const [urlArg, optionsArg] = split?.args ?? [];
      if (!urlArg || !optionsArg?.text.includes('sslPinning')) continue;
      const options = dictionaryEntries(source, literalOpen(code, optionsArg.offset), constants);
      const pkPinning = options.find((o) => o.key === 'pkPinning')?.value.trim() === 'true';
      const sslPinning = options.find((o) => o.key === 'sslPinning');
      const certs = sslPinning
        ? dictionaryEntries(source, literalOpen(code, sslPinning.valueOffset), constants).find((o) => o.key === 'certs')
        : undefined;
      const certsOpen = certs ? literalOpen(code, certs.valueOffset) : -1;
      const pins: Pin[] = (certsOpen < 0 ? [] : stringItems(source, certsOpen, constants)).flatMap((i) => {
        if (i.value === null) return [];
        const line = lines.lineOf(i.offset);
        const pin = pkPinning ? prefixedPin(i.value, line) : null;
        return [pin ?? { kind: 'certificate-file' as const, value: `${i.value}.cer`, line }];
      });
      const line = lines.lineOf(match.index);
      const hosts = hostOfUrl(evaluateString(urlArg.text, constants), line);
      configurations.push({
        file,
        line,
        ecosystem: 'react-native',
        kind: hosts.length > 0 ? 'pins' : 'custom-validation',
        hosts,
        pins,
        detail: `react-native-ssl-pinning fetch (${pkPinning ? 'public key hashes' : 'certificates'})`,
      });
    }
  }
  return configurations;
}
