/** The cloud-application route beside the URL category: from the dated, sourced data file, or said to be missing. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildExemptionRequest } from '../../../src/core/exemptions/exemptionRequest';
import { cloudApplicationNotes } from '../../../src/core/exemptions/vendors/cloudApplications';
import { byKnownStack } from '../../support/knownClients';
import { transcripts } from '../../support/transcripts';

const NOW = new Date('2026-12-05T00:00:00Z');

describe('cloud-application route', () => {
  it('the Zscaler request offers Microsoft 365 as a cloud application for Exchange Online hosts, with its source and date', () => {
    const request = buildExemptionRequest({
      records: [
        byKnownStack(transcripts.closedAfterHandshake('outlook.office365.com')),
        byKnownStack(transcripts.closedAfterHandshake('api.pinned.test')),
      ],
      hosts: [],
      format: 'zscaler-api',
      appName: 'Acme',
      now: NOW,
    });
    const notes = (JSON.parse(request.text) as { _notes?: string[] })._notes ?? [];
    const route = notes.find((n) => n.startsWith('Cloud-application route'));
    assert.ok(route, notes.join('\n'));
    assert.match(route, /outlook\.office365\.com belongs to Microsoft 365 \(Exchange Online\)/);
    assert.match(route, /M365 Exempted/);
    assert.ok(
      notes.some((n) => /route https:\/\/help\.zscaler\.com\/unified\/reviewing-ssl-inspection \(read 2026-12-05\)/.test(n)),
      notes.join('\n'),
    );
    assert.doesNotMatch(route, /api\.pinned\.test/);
  });

  it('says so when the vendor has no public mapping, and says nothing for hosts of no known application', () => {
    const [netskope] = cloudApplicationNotes('netskope', ['outlook.office.com']);
    assert.match(
      netskope ?? '',
      /no public mapping from hosts to Netskope app names was found \(searched 2026-12-05\): use the URL-category entries/,
    );
    assert.deepEqual(cloudApplicationNotes('zscaler', ['api.pinned.test']), []);
    assert.deepEqual(cloudApplicationNotes('squid', ['outlook.office.com']), []);
  });
});
