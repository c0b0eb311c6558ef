/** The certificates side by side in real Chromium: SANs of the forged leaf and of the server's chain, inert and bounded; an older recording without them. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionDetail } from '../../src/shared/protocol';
import type { TimelineEvent } from '../../src/shared/timelineEvents';
import { fixture } from './fixtures';
import { inspectorPages, type InspectorPage } from './page';

/** The detail's events with SANs on the forged certificate and the chain's leaf (as a live session records them). */
function withSans(detail: ConnectionDetail, forged: readonly string[], leaf: readonly string[], leafOmitted?: number): ConnectionDetail {
  const events = detail.events.map((e): TimelineEvent => {
    if (e.kind === 'forged-certificate')
      return { ...e, sans: forged, validFrom: '2026-12-04T00:00:00.000Z', validTo: '2027-12-04T00:00:00.000Z' };
    if (e.kind === 'upstream-tls')
      return {
        ...e,
        chain: e.chain.map((c, i) =>
          i === 0 ? { ...c, sans: leaf, ...(leafOmitted ? { sansOmitted: leafOmitted } : {}) } : { ...c, sans: [] },
        ),
      };
    return e;
  });
  return { ...detail, events };
}

describe('inspector webview: certificates', () => {
  const open = inspectorPages();

  async function selected(detailFor: (detail: ConnectionDetail) => ConnectionDetail): Promise<InspectorPage> {
    const view = await open({ state: { view: 'connections' } });
    const { message, detailOf } = fixture();
    await view.send(message);
    const { row, detail } = detailOf('pinned.bank.test');
    await view.page.locator(`.row[data-id="${row.id}"]`).click();
    await view.send({ type: 'detail', detail: detailFor({ ...detail, id: row.id }) });
    return view;
  }

  const sansOf = (view: InspectorPage, cert: 'forged' | 'real'): Promise<string | null> =>
    view.page.locator(`[data-cert=${cert}] table.facts tr`, { hasText: 'SANs' }).first().locator('td').textContent();

  it("shows the SANs of our certificate and of the server's, a few inline", async () => {
    const view = await selected((d) => withSans(d, ['DNS:pinned.bank.test'], ['DNS:bank.test', 'DNS:*.bank.test', 'IP:127.0.0.1']));
    assert.equal(await sansOf(view, 'forged'), 'DNS:pinned.bank.test');
    assert.equal(await sansOf(view, 'real'), 'DNS:bank.test, DNS:*.bank.test, IP:127.0.0.1');
    assert.equal(
      await view.page.locator('[data-cert=forged] table.facts tr', { hasText: 'Valid' }).locator('td').textContent(),
      '2026-12-04T00:00:00.000Z – 2027-12-04T00:00:00.000Z',
      "our certificate's validity too",
    );
    assert.deepEqual(view.errors, []);
  });

  it('folds many names, says how many were not recorded, and keeps a hostile name as text', async () => {
    const hostile = 'DNS:<img src=x onerror="window.__pwned=true">.test';
    const many = [hostile, ...Array.from({ length: 99 }, (_, i) => `DNS:n${i}.bank.test`)];
    const view = await selected((d) => withSans(d, ['DNS:pinned.bank.test'], many, 412));
    const cell = view.page.locator('[data-cert=real] table.facts tr', { hasText: 'SANs' }).first().locator('td');
    assert.equal(await cell.locator('summary').textContent(), '100 names and 412 more not recorded');
    assert.equal(await cell.locator('li').count(), 100);
    assert.equal(await cell.locator('li').first().textContent(), hostile);
    assert.equal(await view.page.locator('#app img').count(), 0);
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned ?? false), false);
  });

  it('shows no SANs row for a recording made before SANs were recorded, and "none" for a certificate without names', async () => {
    const old = await selected((d) => d);
    assert.equal(await old.page.locator('.certificates tr', { hasText: 'SANs' }).count(), 0);
    assert.match((await old.page.textContent('[data-cert=real]')) ?? '', /Subject/, 'the rest is shown as before');
    const none = await selected((d) => withSans(d, ['DNS:pinned.bank.test'], []));
    assert.equal(await sansOf(none, 'real'), 'none');
  });
});
