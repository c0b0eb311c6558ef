/** The inspector webview in real Chromium: hosts view, connections view, filters, selection, actions, hostile input. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOSTILE, fixture, state } from './fixtures';
import { inspectorPages } from './page';

describe('inspector webview', () => {
  const open = inspectorPages();

  it('asks for data when ready, then shows one row per host, breaking hosts first', async () => {
    const view = await open();
    assert.deepEqual((await view.posted())[0], { type: 'ready' });
    await view.send(fixture().message);
    assert.equal(await view.page.textContent('.headline'), '3 hosts break under inspection; 2 likely pin');
    assert.equal(await view.page.textContent('[data-action=toggle]'), 'Stop proxy');
    const hosts = await view.page.locator('.host-row').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-host')));
    assert.equal(hosts.length, 7, 'pinned.bank.test has two connections and one row');
    assert.deepEqual(
      hosts.slice(0, 2).sort(),
      ['pinned.bank.test', 'telemetry.vendor.test'],
      'the likeliest pinning comes first, not the biggest group',
    );
    const breaking = hosts.slice(0, 3).sort();
    assert.deepEqual(breaking, [HOSTILE, 'pinned.bank.test', 'telemetry.vendor.test'].sort());
    assert.ok(
      hosts.indexOf('gone.example.org') > 2 && hosts.indexOf('gone.example.org') < hosts.indexOf('api.example.com'),
      'unreachable before healthy',
    );
    const pinned = view.page.locator('.host-row[data-host="pinned.bank.test"]');
    assert.match((await pinned.textContent()) ?? '', /Closed after handshake.*pinning likely.*2 · 2 broke/);
    assert.equal(
      await pinned.locator('.counts').getAttribute('title'),
      '2 connections: 2 Closed after handshake',
      "the breakdown in the tooltip (and in the host's story)",
    );
    assert.deepEqual(
      await view.page.locator('.columns [role=columnheader]').allTextContents(),
      ['', 'Host', 'Verdict', 'Pinning', 'App', 'Connections', 'Seen', 'Actions'],
      'column headers',
    );
    assert.deepEqual(await pinned.locator('[data-action]').evaluateAll((b) => b.map((n) => n.getAttribute('data-action'))), [
      'confirm',
      'tunnel',
      'choose',
    ]);
    assert.deepEqual(
      await view.page
        .locator('.host-row[data-host="gone.example.org"] [data-action]')
        .evaluateAll((b) => b.map((n) => n.getAttribute('data-action'))),
      ['tunnel'],
      'no exemption for an unreachable server',
    );
    assert.equal(await view.page.getAttribute('.list', 'role'), 'treegrid');
    assert.deepEqual(view.errors, []);
  });

  it('offers the actions that apply to a host’s mode and shows a confirmed host as breaking only under inspection', async () => {
    const view = await open();
    const { rows } = fixture();
    const pinned = rows.filter((r) => r.host === 'pinned.bank.test');
    const first = pinned[0];
    assert.ok(first);
    const tunnelled = {
      ...first,
      id: 99,
      mode: 'tunnel' as const,
      category: 'ok' as const,
      pinning: null,
      confirmed: true,
      startedAt: Date.now() + 1000,
    };
    await view.send({
      type: 'reset',
      rows: [...rows.map((r) => (r.host === 'pinned.bank.test' ? { ...r, confirmed: true } : r)), tunnelled],
      state,
    });
    const row = view.page.locator('.host-row[data-host="pinned.bank.test"]');
    assert.match((await row.locator('.pin-confirmed').getAttribute('title')) ?? '', /breaks only when inspected/);
    assert.match(await row.locator('.pin-confirmed').innerText(), /only under inspection ✓|inspection only ✓/);
    assert.deepEqual(
      await row.locator('[data-action]').evaluateAll((b) => b.map((n) => n.getAttribute('data-action'))),
      ['intercept', 'choose'],
      'tunnelled now: intercept again, or exempt; no confirm twice',
    );
    await row.locator('[data-action=choose]').click();
    await row.locator('[data-action=intercept]').click();
    await view.page.locator('[data-action=export]').click();
    const posted = (await view.posted()).filter((m) => m.type !== 'ready');
    assert.deepEqual(posted, [
      { type: 'interceptHost', host: 'pinned.bank.test' },
      { type: 'exportRequest', hosts: ['pinned.bank.test'] },
    ]);
    assert.equal(await view.page.locator('.host-row[aria-expanded=true]').count(), 0, 'a button does not expand its row');
  });

  it("is driven from the keyboard: arrows, Enter to tell a host's story, → to expand, Enter on a connection, Escape back out", async () => {
    const view = await open();
    const { message, rows } = fixture();
    await view.send(message);
    const hosts = await view.page.locator('.host-row').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-host')));
    await view.page.focus('.list');
    await view.page.keyboard.press('End');
    await view.page.keyboard.press('Home');
    for (let i = 0; i < hosts.indexOf('pinned.bank.test'); i++) await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('Enter');
    await view.page.waitForTimeout(50);
    const pinnedIds = rows
      .filter((r) => r.host === 'pinned.bank.test')
      .map((r) => r.id)
      .sort((a, b) => b - a);
    const [newest, older] = pinnedIds;
    assert.ok(newest !== undefined && older !== undefined);
    assert.deepEqual(
      (await view.posted()).at(-1),
      { type: 'select', id: newest },
      'Enter on a host selects its most telling connection (the newest breaking one)',
    );
    assert.equal(await view.page.textContent('.detail h2'), 'pinned.bank.test');
    assert.equal(
      await view.page.getAttribute('.host-row[data-host="pinned.bank.test"]', 'aria-expanded'),
      'false',
      'the host tells its story without expanding',
    );
    await view.page.keyboard.press('ArrowRight');
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.getAttribute('.host-row[data-host="pinned.bank.test"]', 'aria-expanded'), 'true');
    assert.equal(await view.page.locator('.row.level-2').count(), 2);
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('Enter');
    await view.page.waitForTimeout(50);
    assert.ok((await view.posted()).some((m) => m.type === 'select' && m.id === older));
    assert.equal(await view.page.getAttribute(`.row[data-id="${older}"]`, 'aria-selected'), 'true');
    assert.equal(
      await view.page.getAttribute(`.story-connection[data-id="${older}"]`, 'aria-pressed'),
      'true',
      'the story marks the connection shown',
    );
    const active = await view.page.getAttribute('.list', 'aria-activedescendant');
    assert.equal(await view.page.getAttribute(`#${active ?? 'none'}`, 'data-id'), String(older));
    const outline = await view.page.$eval('.list .active', (n) => getComputedStyle(n).outlineStyle);
    assert.equal(outline, 'solid', 'the active row shows focus');
    await view.page.keyboard.press('Escape');
    await view.page.waitForTimeout(50);
    assert.match((await view.page.textContent('.detail')) ?? '', /Select a host/);
    assert.equal(
      await view.page.getAttribute(`#${(await view.page.getAttribute('.list', 'aria-activedescendant')) ?? 'none'}`, 'data-host'),
      'pinned.bank.test',
      'Escape goes back to the host',
    );
    await view.page.keyboard.press('ArrowLeft');
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.row.level-2').count(), 0, 'ArrowLeft collapses');
  });

  it('keeps the connection list as a view, with collapsible groups sorted breaking first', async () => {
    const view = await open({ state: { view: 'connections', groupBy: 'domain' } });
    await view.send(fixture().message);
    const groups = await view.page.locator('.group .group-key').allTextContents();
    assert.equal(groups[0], 'bank.test', 'a broken domain sits above the bigger healthy example.com');
    assert.ok(groups.indexOf('example.com') > groups.indexOf('vendor.test'));
    assert.match((await view.page.locator('.group', { hasText: 'example.com' }).first().textContent()) ?? '', /3 connections/);
    await view.page.locator('.group[data-group="bank.test"]').click();
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.row', { hasText: 'pinned.bank.test' }).count(), 0, 'collapsed');
    await view.page.locator('[data-view=hosts]').click();
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.host-row').count(), 7);
    assert.equal(await view.page.locator('[data-control=group]').isHidden(), true);
  });

  it('keeps no more rows than the host keeps, dropping the oldest', async () => {
    const view = await open({ state: { view: 'connections' } });
    const { rows } = fixture();
    await view.send({ type: 'reset', rows, state: { ...state, kept: 5 } });
    assert.equal(await view.page.locator('.row').count(), 5);
    const ids = await view.page.locator('.row').evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-id'))));
    assert.deepEqual(ids, [...rows.map((r) => r.id)].sort((a, b) => b - a).slice(0, 5));
    assert.match((await view.page.locator('.row').first().locator('.strip').getAttribute('title')) ?? '', /ClientHello .* → /);
  });

  it('renders a hostile SNI as inert text', async () => {
    const view = await open({ state: { view: 'connections' } });
    const { message, detailOf } = fixture();
    await view.send(message);
    const hostile = view.page.locator('.row', { hasText: 'onerror' });
    assert.equal(await hostile.count(), 1);
    await hostile.click();
    const { row, detail } = detailOf(HOSTILE);
    await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
    assert.equal(await view.page.locator('#app img').count(), 0, 'no element was created from the SNI');
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned ?? false), false);
    assert.match((await view.page.textContent('.detail h2')) ?? '', /<img src=x onerror=/);
    assert.match((await view.page.textContent('svg.sequence')) ?? '', /<img src=x/, 'the diagram shows it as text too');
  });

  it('filters by text, by category (human labels with counts) and by "only breakage"; a filter with no match says so', async () => {
    const view = await open({ state: { view: 'connections' } });
    await view.send(fixture().message);
    const options = await view.page.locator('[data-control=category] vscode-option').allTextContents();
    assert.ok(options.includes('Closed after handshake (2)'), options.join(' | '));
    assert.ok(options.includes('All categories (8)'));
    assert.ok(
      options.every((o) => !/[a-z]-[a-z]/.test(o.replace(/\(\d+\)/, ''))),
      'no kebab-case ids as labels',
    );
    await view.page.locator('[data-control=filter]').click();
    await view.page.keyboard.type('bank');
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.row').count(), 2);
    await view.page.keyboard.type('-nothing-like-this');
    await view.page.waitForTimeout(50);
    assert.match((await view.page.textContent('.empty-state')) ?? '', /No connection matches “bank-nothing-like-this”/);
    await view.page.locator('[data-action=clear-filters]').click();
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.row').count(), 8);
    await view.page.locator('[data-control=only-breakage]').click();
    await view.page.waitForTimeout(50);
    assert.equal(await view.page.locator('.row').count(), 4, 'closed-after-handshake ×2, cert-rejected ×2');
    const saved = await view.page.evaluate(() => (window as unknown as { __state: { onlyBreakage: boolean } }).__state);
    assert.equal(saved.onlyBreakage, true, 'view state is kept with setState');
  });

  it('shows a stopped proxy with its next step, a waiting proxy, and forgets a cleared connection', async () => {
    const view = await open({ state: { view: 'connections', selectedId: 3 } });
    assert.match((await view.page.textContent('.detail')) ?? '', /appear here|Select a host/);
    await view.send({ type: 'reset', rows: [], state: { ...state, running: false, headline: 'Proxy stopped' } });
    assert.match((await view.page.textContent('.empty-state')) ?? '', /The proxy is stopped/);
    assert.doesNotMatch((await view.page.textContent('header')) ?? '', /Proxy stopped[\s\S]*Proxy stopped/, 'says it once');
    await view.page.locator('.empty-state [data-action=start]').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'startProxy' });
    await view.send({ type: 'reset', rows: [], state });
    assert.match((await view.page.textContent('.empty-state')) ?? '', /Waiting for connections[\s\S]*127\.0\.0\.1:8899/);
    const { message, rows, detailOf } = fixture();
    await view.send(message);
    const pinned = detailOf('pinned.bank.test');
    await view.page.locator(`.row[data-id="${pinned.row.id}"]`).click();
    await view.send({ type: 'detail', detail: { ...pinned.detail, id: pinned.row.id } });
    assert.match((await view.page.textContent('.detail h2')) ?? '', /pinned\.bank\.test/);
    await view.send({ type: 'reset', rows: rows.filter((r) => r.host !== 'pinned.bank.test'), state });
    assert.doesNotMatch((await view.page.textContent('.detail')) ?? '', /pinned\.bank\.test/, 'a cleared connection is no longer shown');
    assert.match((await view.page.textContent('.detail')) ?? '', /Select a host/);
  });

  it('asks for a detail once per selection: the host pushes it again when the connection changes', async () => {
    const view = await open({ state: { view: 'connections' } });
    const { message, detailOf } = fixture();
    await view.send(message);
    const { row: pinned, detail: pinnedDetail } = detailOf('pinned.bank.test');
    await view.page.locator(`.row[data-id="${pinned.id}"]`).click();
    const detail = { ...pinnedDetail, id: pinned.id };
    await view.send({ type: 'detail', detail });
    for (let batch = 0; batch < 3; batch++)
      await view.send({ type: 'rows', rows: [{ ...pinned, durationMs: pinned.durationMs + batch }], state });
    const selects = (await view.posted()).filter((m) => m.type === 'select');
    assert.deepEqual(selects, [{ type: 'select', id: pinned.id }], 'one select for one click, none per batch');
    await view.send({ type: 'detail', detail: { ...detail, evidence: ['pushed again by the host'] } });
    assert.match((await view.page.textContent('.detail')) ?? '', /pushed again by the host/);
    await view.send({ type: 'detail', detail: { ...detail, id: pinned.id + 1000, evidence: ['another connection'] } });
    assert.doesNotMatch((await view.page.textContent('.detail')) ?? '', /another connection/, 'a detail for another connection is ignored');
  });

  it("draws the RST that ends a working tunnel as a close, not in red; a failing connection's RST stays red", async () => {
    const view = await open({ state: { view: 'connections' } });
    const { rows } = fixture();
    const base = rows.find((r) => r.host === 'api.example.com');
    assert.ok(base);
    const rst = { kind: 'rst' as const, t: 40, label: 'RST' };
    await view.send({
      type: 'reset',
      rows: [
        { ...base, id: 700, mode: 'tunnel', steps: [...base.steps.slice(0, 2), rst] },
        {
          ...base,
          id: 701,
          host: 'broken.example.test',
          sni: 'broken.example.test',
          category: 'reset',
          steps: [...base.steps.slice(0, 2), rst],
        },
      ],
      state,
    });
    const toneOf = (id: number) => view.page.locator(`.row[data-id="${id}"] .step`).last().getAttribute('class');
    assert.match((await toneOf(700)) ?? '', /step-close/);
    assert.doesNotMatch((await toneOf(700)) ?? '', /step-bad/);
    assert.match((await toneOf(701)) ?? '', /step-bad/);
  });

  it('names every app of a host, and cuts neither its apps, its counts nor its badges', async () => {
    const view = await open({ width: 1600, height: 900 });
    const { rows } = fixture();
    const withApps = rows.map((r) =>
      r.host === 'pinned.bank.test' ? { ...r, app: r.id % 2 ? 'Code terminal › curl' : 'Code debug session › node' } : r,
    );
    await view.send({ type: 'reset', rows: withApps, state });
    const row = view.page.locator('.host-row[data-host="pinned.bank.test"]');
    assert.deepEqual(
      ((await row.locator('.app').textContent()) ?? '').split(', ').sort(),
      ['curl', 'node'],
      'several apps by their programs',
    );
    assert.deepEqual(
      ((await row.locator('.app').getAttribute('title')) ?? '').split('\n').sort(),
      ['Code debug session › node', 'Code terminal › curl'],
      'each in full in the tooltip',
    );
    const cut = await view.page.locator('.host-row').evaluateAll((nodes) =>
      nodes.flatMap((n) =>
        Array.from(n.querySelectorAll('.app, .counts, .badge'))
          .filter((c) => (c as HTMLElement).scrollWidth > (c as HTMLElement).clientWidth + 1)
          .map((c) => c.textContent),
      ),
    );
    assert.deepEqual(cut, []);
  });
});
