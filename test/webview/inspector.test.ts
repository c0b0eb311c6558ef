/** The inspector webview in real Chromium: rendering, filters, grouping, selection, actions, themes, hostile input. */
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { judgeAll } from '../../src/core/diagnosis/hostSummary';
import { toConnectionDetail, toConnectionRow } from '../../src/core/report/inspectorRows';
import type { ConnectionRow, HostMessage, ProxyState } from '../../src/shared/protocol';
import { JA4_APP, transcripts } from '../support/transcripts';
import { closeBrowser, openInspector, type InspectorPage } from './page';

const SCREENSHOTS = resolve(__dirname, '..', '..', '..', '.test-artifacts', 'screenshots');
const HOSTILE = '<img src=x onerror="window.__pwned=true">.evil.test';

function recorded() {
  const records = [
    transcripts.ok('api.example.com', JA4_APP), transcripts.ok('cdn.example.com', JA4_APP),
    transcripts.closedAfterHandshake('pinned.bank.test', JA4_APP), transcripts.closedAfterHandshake('pinned.bank.test', JA4_APP),
    transcripts.alert('telemetry.vendor.test', 'certificate_unknown', JA4_APP), transcripts.notTls('ssh.example.com'),
    transcripts.upstreamFailed('gone.example.org'), transcripts.alert(HOSTILE, 'unknown_ca'),
  ];
  return judgeAll(records);
}

const state: ProxyState = { running: true, url: 'http://127.0.0.1:8899', headline: '3 hosts break under inspection; 2 likely pin', dropped: 0, kept: 10_000 };

function resetMessage(): { message: HostMessage; rows: ConnectionRow[] } {
  const judged = recorded();
  const rows = judged.map(({ record, verdict }) => toConnectionRow(record, verdict));
  return { message: { type: 'reset', rows, state }, rows };
}

describe('inspector webview', () => {
  const pages: InspectorPage[] = [];
  const open = async (options?: Parameters<typeof openInspector>[0]) => {
    const page = await openInspector(options);
    pages.push(page);
    return page;
  };
  after(async () => {
    for (const p of pages) await p.close();
    await closeBrowser();
  });

  it('asks for data when ready, then renders rows from recorded events with the headline', async () => {
    const view = await open();
    assert.deepEqual((await view.posted())[0], { type: 'ready' });
    const { message } = resetMessage();
    await view.send(message);
    assert.equal(await view.page.textContent('.headline'), '3 hosts break under inspection; 2 likely pin');
    assert.equal(await view.page.textContent('[data-action=toggle]'), 'Stop proxy');
    assert.equal(await view.page.locator('.row').count(), 8);
    const pinnedRow = view.page.locator('.row', { hasText: 'pinned.bank.test' }).first();
    assert.match(await pinnedRow.textContent() ?? '', /closed-after-handshake.*pinning likely/);
    assert.match(await pinnedRow.locator('.strip').textContent() ?? '', /ClientHello→our cert→handshake→close_notify/);
    assert.deepEqual(view.errors, []);
  });

  it('keeps no more rows than the host keeps, dropping the oldest', async () => {
    const view = await open();
    const { rows } = resetMessage();
    await view.send({ type: 'reset', rows, state: { ...state, kept: 5 } });
    assert.equal(await view.page.locator('.row').count(), 5);
    const ids = await view.page.locator('.row').evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-id'))));
    assert.deepEqual(ids, [...rows.map((r) => r.id)].sort((a, b) => b - a).slice(0, 5));
  });

  it('renders a hostile SNI as inert text', async () => {
    const view = await open();
    await view.send(resetMessage().message);
    const hostile = view.page.locator('.row', { hasText: 'onerror' });
    assert.equal(await hostile.count(), 1);
    assert.equal(await view.page.locator('#app img').count(), 0, 'no element was created from the SNI');
    await hostile.click();
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned ?? false), false);
    assert.match(await view.page.textContent('.detail h2') ?? '', /<img src=x onerror=/);
  });

  it('filters by text, by category and by "only breakage"', async () => {
    const view = await open();
    await view.send(resetMessage().message);
    await view.page.locator('[data-control=filter]').click();
    await view.page.keyboard.type('bank');
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.row').count(), 2);
    await view.page.locator('[data-control=filter]').click({ clickCount: 3 });
    await view.page.keyboard.press('Backspace');
    await view.page.locator('[data-control=only-breakage]').click();
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.row').count(), 4, 'closed-after-handshake ×2, cert-rejected ×2');
    const saved = await view.page.evaluate(() => (window as unknown as { __state: { onlyBreakage: boolean } }).__state);
    assert.equal(saved.onlyBreakage, true, 'view state is kept with setState');
  });

  it('groups by registrable domain with counts', async () => {
    const view = await open({ state: { groupBy: 'domain' } });
    await view.send(resetMessage().message);
    const groups = await view.page.locator('.group .group-key').allTextContents();
    assert.ok(groups.includes('example.com'));
    assert.ok(groups.includes('bank.test'));
    assert.match(await view.page.locator('.group', { hasText: 'example.com' }).first().textContent() ?? '', /3 connections/);
  });

  it('selects a row, shows its timeline and detail, and posts each action', async () => {
    const view = await open();
    const { message, rows } = resetMessage();
    await view.send(message);
    const pinned = rows.find((r) => r.host === 'pinned.bank.test');
    assert.ok(pinned);
    await view.page.locator(`.row[data-id="${pinned.id}"]`).click();
    const judged = recorded().find((j) => j.record.host === 'pinned.bank.test');
    assert.ok(judged);
    await view.send({ type: 'detail', detail: { ...toConnectionDetail(judged.record, judged.verdict), id: pinned.id } });
    assert.ok(await view.page.locator('.timeline .event').count() >= 8);
    assert.match(await view.page.locator('.timeline .event').last().textContent() ?? '', /closed.*13\.5 ms/);
    assert.match(await view.page.textContent('.detail') ?? '', /accepted the forged chain/);
    assert.match(await view.page.textContent('.detail') ?? '', /sha256\/r3alPin/);
    assert.doesNotMatch(await view.page.textContent('.timeline') ?? '', /\(resumed\)/);
    const detail = toConnectionDetail(judged.record, judged.verdict);
    await view.send({ type: 'detail', detail: { ...detail, id: pinned.id, events: detail.events.map((e) => (e.kind === 'upstream-tls' ? { ...e, resumed: true } : e)) } });
    await view.page.waitForFunction(() => (document.querySelector('.timeline')?.textContent ?? '').includes('upstream-tls (resumed)'), undefined, { timeout: 5000 });
    for (const action of ['tunnel', 'intercept', 'confirm', 'copy-host', 'choose']) await view.page.locator(`.detail [data-action="${action}"]`).click();
    await view.page.locator('[data-action="export"]').click();
    const posted = await view.posted();
    assert.deepEqual(posted.filter((m) => m.type !== 'ready' && m.type !== 'select'), [
      { type: 'tunnelHost', host: 'pinned.bank.test' },
      { type: 'interceptHost', host: 'pinned.bank.test' },
      { type: 'confirmHost', host: 'pinned.bank.test' },
      { type: 'copy', text: 'pinned.bank.test' },
      { type: 'exportRequest', hosts: ['pinned.bank.test'] },
    ]);
    assert.ok(posted.some((m) => m.type === 'select' && m.id === pinned.id));
  });

  it('asks for a detail once per selection: the host pushes it again when the connection changes', async () => {
    const view = await open();
    const { message, rows } = resetMessage();
    await view.send(message);
    const pinned = rows.find((r) => r.host === 'pinned.bank.test');
    const judged = recorded().find((j) => j.record.host === 'pinned.bank.test');
    assert.ok(pinned && judged);
    await view.page.locator(`.row[data-id="${pinned.id}"]`).click();
    const detail = { ...toConnectionDetail(judged.record, judged.verdict), id: pinned.id };
    await view.send({ type: 'detail', detail });
    for (let batch = 0; batch < 3; batch++) await view.send({ type: 'rows', rows: [{ ...pinned, durationMs: pinned.durationMs + batch }], state });
    const selects = (await view.posted()).filter((m) => m.type === 'select');
    assert.deepEqual(selects, [{ type: 'select', id: pinned.id }], 'one select for one click, none per batch');
    await view.send({ type: 'detail', detail: { ...detail, evidence: ['pushed again by the host'] } });
    assert.match(await view.page.textContent('.detail') ?? '', /pushed again by the host/);
    await view.send({ type: 'detail', detail: { ...detail, id: pinned.id + 1000, evidence: ['another connection'] } });
    assert.doesNotMatch(await view.page.textContent('.detail') ?? '', /another connection/, 'a detail for another connection is ignored');
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`renders in the ${theme} theme (screenshot)`, async () => {
      const view = await open({ theme });
      const { message, rows } = resetMessage();
      await view.send(message);
      const pinned = rows.find((r) => r.host === 'pinned.bank.test');
      const judged = recorded().find((j) => j.record.host === 'pinned.bank.test');
      assert.ok(pinned && judged);
      await view.page.locator(`.row[data-id="${pinned.id}"]`).click();
      await view.send({ type: 'detail', detail: { ...toConnectionDetail(judged.record, judged.verdict), id: pinned.id } });
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `inspector-${theme}.png`);
      await view.page.screenshot({ path: file });
      const background = await view.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, theme === 'light' ? 'rgb(255, 255, 255)' : theme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(0, 0, 0)');
      assert.deepEqual(view.errors, []);
    });
  }
});
