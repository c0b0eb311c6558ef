/** The shared vocabulary: the words every layer uses, and the places that cannot import them agree. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { classify } from '../../src/core/diagnosis/classification';
import { stripSteps } from '../../src/core/report/inspectorRows';
import { timelineSummary } from '../../src/core/exemptions/evidenceReport';
import { eventLabels } from '../../src/shared/eventLabels';
import { BREAKAGE, CATEGORIES, DEFAULT_MAX_CONNECTIONS_KEPT, isBreakage } from '../../src/shared/vocabulary';
import { JA4_APP, transcripts } from '../support/transcripts';

const ROOT = resolve(__dirname, '..', '..', '..');

describe('shared vocabulary', () => {
  it('is what package.json offers as the default of pinscope.maxConnectionsKept', () => {
    const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    assert.equal(manifest.contributes.configuration.properties['pinscope.maxConnectionsKept']?.default, DEFAULT_MAX_CONNECTIONS_KEPT);
  });

  it('lists every category the README documents, and breakage is a subset of them', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    for (const category of CATEGORIES) assert.ok(readme.includes(`\`${category}\``), `${category} is documented`);
    for (const category of BREAKAGE) assert.ok(CATEGORIES.includes(category));
    assert.equal(isBreakage(null), false);
    assert.equal(isBreakage('ok'), false);
    assert.equal(isBreakage('reset'), true);
  });

  it('names each event once, for the strip, the report and the timeline', () => {
    const record = transcripts.closedAfterHandshake('pinned.bank.test', JA4_APP);
    assert.equal(classify(record).category, 'closed-after-handshake');
    assert.deepEqual(
      stripSteps(record.events).map((s) => s.label),
      ['ClientHello', 'our cert', 'handshake', 'close_notify'],
    );
    assert.match(
      timelineSummary(record.events),
      /^ClientHello [\d.]+ ms → forged certificate sent [\d.]+ ms → handshake completed [\d.]+ ms → close_notify/,
    );
    assert.equal(
      eventLabels({ t: 1, kind: 'client-alert', name: 'unknown_ca', code: 48, message: '' }).timeline,
      'client-alert unknown_ca',
    );
    assert.equal(eventLabels({ t: 1, kind: 'fin', from: 'upstream' }).strip, 'FIN ↓');
    assert.equal(
      eventLabels({ t: 1, kind: 'upstream-tls', version: 'TLSv1.3', alpn: null, chain: [], resumed: true }).timeline,
      'upstream-tls (resumed)',
    );
    assert.equal(eventLabels({ t: 1, kind: 'accepted', remote: '127.0.0.1' }).strip, null);
  });
});
