/**
 * The app's name from process attribution, for exemption requests and the evidence report: the name of
 * the process most of the requested hosts' breaking connections came from ("curl", "node", "MyApp"), so
 * that the request names an app instead of "the app". Its command line is not used: it may hold more
 * than a security team should see, even redacted.
 */
import { BREAKAGE } from '../../shared/vocabulary';
import { classify } from '../diagnosis/classification';
import { targetHost, type ConnectionRecord } from '../timeline';

const MAX_NAME = 80;

export function attributedAppName(records: readonly ConnectionRecord[], hosts: readonly string[] = []): string | undefined {
  const wanted = new Set(hosts);
  const counts = new Map<string, number>();
  for (const record of records) {
    const process = record.client?.process;
    if (process?.kind !== 'local' || !record.finished) continue;
    if (wanted.size > 0 && !wanted.has(targetHost(record))) continue;
    if (!BREAKAGE.has(classify(record).category)) continue;
    const name = (process.name ?? '').trim().slice(0, MAX_NAME);
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0];
}
