/**
 * The host tells its story, in real Chromium: a click on a host shows its verdict, evidence and the
 * diagram of its most telling connection, with its connections to pick another; the splitter; side by
 * side when wide (or wide and short); "Open in Editor"; and the size of a workbench at 1400×900 with
 * the sidebar and a terminal open (screenshot in .test-artifacts/screenshots).
 */
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, state, type Fixture } from './fixtures';
import { inspectorPages, type InspectorPage } from './page';

const SCREENSHOTS = resolve(__dirname, '..', '..', '..', '.test-artifacts', 'screenshots');

/** The editor area of code-server at 1400×900 with the Explorer (300 px) and a terminal panel open. */
const WORKBENCH_EDITOR = { width: 1050, height: 480 };

async function showHost(view: InspectorPage, host: string, recorded: Fixture = fixture()): Promise<number> {
  const { message, detailOf } = recorded;
  await view.send(message);
  await view.page.locator(`.host-row[data-host="${host}"] .host`).click();
  const { row, detail } = detailOf(host);
  await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
  return row.id;
}

function selects(view: InspectorPage): Promise<number[]> {
  return view.posted().then((messages) => messages.flatMap((m) => (m.type === 'select' ? [m.id] : [])));
}

describe('the host tells its story', () => {
  const open = inspectorPages();

  it('a click on a host shows its verdict, its evidence and the diagram of its latest breaking connection, with its connections to pick another', async () => {
    const view = await open({ width: 1600, height: 1000 });
    const recorded = fixture();
    const { rows } = recorded;
    const id = await showHost(view, 'pinned.bank.test', recorded);
    const pinned = rows
      .filter((r) => r.host === 'pinned.bank.test')
      .map((r) => r.id)
      .sort((a, b) => b - a);
    assert.deepEqual(await selects(view), [pinned[0]], 'the newest breaking connection, selected at once');
    assert.equal(id, pinned[0]);
    assert.equal(await view.page.textContent('.detail h2'), 'pinned.bank.test');
    assert.match((await view.page.textContent('.host-verdict')) ?? '', /Closed after handshake.*pinning likely.*2 connections/);
    assert.match(
      (await view.page.textContent('.verdict')) ?? '',
      /trusts the Pinscope CA, so rejecting this host points to pinning/,
      'the evidence, beside the diagram',
    );
    assert.ok(await view.page.locator('svg.sequence .message.failed').count(), 'the diagram with its failure');
    assert.deepEqual(
      await view.page
        .locator('.story-connection')
        .evaluateAll((b) => b.map((n) => [Number(n.getAttribute('data-id')), n.getAttribute('aria-pressed')])),
      [
        [pinned[0], 'true'],
        [pinned[1], 'false'],
      ],
    );
    assert.equal(
      await view.page.getAttribute('.host-row[data-host="pinned.bank.test"]', 'aria-expanded'),
      'false',
      'the list stays as it was',
    );

    await view.page.locator(`.story-connection[data-id="${pinned[1]}"]`).click();
    assert.equal((await selects(view)).at(-1), pinned[1]);
    assert.equal(await view.page.getAttribute(`.story-connection[data-id="${pinned[1]}"]`, 'aria-pressed'), 'true');
    assert.equal(await view.page.textContent('.detail h2'), 'pinned.bank.test', "still the host's story");
    assert.deepEqual(view.errors, []);
  });

  it('follows its host: a newer breaking connection becomes the one shown, until the user picks one', async () => {
    const view = await open();
    const recorded = fixture();
    await showHost(view, 'telemetry.vendor.test', recorded);
    const { rows } = recorded;
    const base = rows.find((r) => r.host === 'telemetry.vendor.test');
    assert.ok(base);
    await view.send({ type: 'rows', rows: [{ ...base, id: 900, startedAt: base.startedAt + 5000 }], state });
    assert.equal((await selects(view)).at(-1), 900, 'the newer breaking connection');
    await view.send({
      type: 'rows',
      rows: [{ ...base, id: 901, startedAt: base.startedAt + 6000, category: 'ok', pinning: null, alert: null }],
      state,
    });
    assert.equal((await selects(view)).at(-1), 900, 'a healthy one does not take its place');
    await view.page.locator(`.story-connection[data-id="${base.id}"]`).click();
    await view.send({ type: 'rows', rows: [{ ...base, id: 902, startedAt: base.startedAt + 7000 }], state });
    assert.equal((await selects(view)).at(-1), base.id, 'picked by the user: kept');
  });

  it('has a splitter that drags and is kept, side by side when wide and below the list when narrow', async () => {
    const wide = await open({ width: 1400, height: 900 });
    await showHost(wide, 'pinned.bank.test');
    const boxes = () =>
      wide.page.evaluate(() => {
        const box = (s: string) => (document.querySelector(s) as HTMLElement).getBoundingClientRect();
        return { list: box('.list-pane'), bar: box('.splitter'), detail: box('.detail') };
      });
    const before = await boxes();
    assert.ok(before.detail.left >= before.list.right, 'side by side at 1400 px');
    await wide.page.mouse.move(before.bar.left + before.bar.width / 2, before.bar.top + 100);
    await wide.page.mouse.down();
    await wide.page.mouse.move(before.bar.left - 300, before.bar.top + 100, { steps: 5 });
    await wide.page.mouse.up();
    const after = await boxes();
    assert.ok(
      after.list.width < before.list.width - 250 && after.detail.width > before.detail.width + 250,
      `dragged: list ${before.list.width} → ${after.list.width}`,
    );
    const split = await wide.page.evaluate(() => (window as unknown as { __state: { split: number } }).__state.split);
    assert.ok(split > 0.15 && split < 0.5, `kept in the view state (${split})`);
    await wide.page.focus('.splitter');
    await wide.page.keyboard.press('ArrowRight');
    assert.ok((await boxes()).list.width > after.list.width, 'and moves with the keyboard');

    const narrow = await open({ width: 1000, height: 900, state: { split: 0.3 } });
    await showHost(narrow, 'pinned.bank.test');
    const stacked = await narrow.page.evaluate(() => {
      const box = (s: string) => (document.querySelector(s) as HTMLElement).getBoundingClientRect();
      return {
        list: box('.list-pane'),
        detail: box('.detail'),
        panes: box('.panes'),
        orientation: document.querySelector('.splitter')?.getAttribute('aria-orientation'),
      };
    });
    assert.ok(stacked.detail.top >= stacked.list.bottom, 'below the list at 1000 px');
    assert.equal(stacked.orientation, 'horizontal');
    assert.ok(Math.abs(stacked.list.height - stacked.panes.height * 0.3) < 2, 'the kept share applies');
  });

  it('"Open in Editor" asks for the detail in a tab of its own, which shows the story only', async () => {
    const view = await open();
    const recorded = fixture();
    const id = await showHost(view, 'pinned.bank.test', recorded);
    await view.page.locator('[data-action=open-in-editor]').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'openDetail', id });

    const editor = await open({ focusId: id, width: 900, height: 700 });
    const { message, detailOf } = recorded;
    await editor.send(message);
    assert.deepEqual(
      (await editor.posted()).filter((m) => m.type === 'select'),
      [{ type: 'select', id }],
    );
    const { detail } = detailOf('pinned.bank.test');
    await editor.send({ type: 'detail', detail: { ...detail, id } });
    assert.equal(await editor.page.locator('.list-pane').isHidden(), true);
    assert.equal(await editor.page.locator('.top').isHidden(), true);
    assert.equal(await editor.page.locator('[data-action=open-in-editor]').count(), 0);
    assert.equal(await editor.page.textContent('.detail h2'), 'pinned.bank.test');
    const pane = await editor.page.$eval('.detail', (n) => n.getBoundingClientRect().width);
    assert.ok(pane > 850, `the whole tab (${pane} px)`);
    assert.deepEqual(editor.errors, []);
  });

  it('is usable in a workbench at 1400×900 with the sidebar and a terminal open', async () => {
    const view = await open({ ...WORKBENCH_EDITOR, theme: 'dark' });
    await showHost(view, 'pinned.bank.test');
    const geometry = await view.page.evaluate(() => {
      const box = (s: string) => (document.querySelector(s) as Element).getBoundingClientRect();
      return {
        list: box('.list-pane'),
        detail: box('.detail'),
        verdictLine: box('.host-verdict'),
        svg: box('svg.sequence'),
        verdict: box('.verdict'),
        hostRows: document.querySelectorAll('.host-row').length,
      };
    });
    assert.ok(geometry.detail.left >= geometry.list.right, 'side by side: the panel is wide and short');
    assert.ok(geometry.detail.height >= 340, `the detail is ${geometry.detail.height} px high`);
    assert.ok(geometry.detail.width >= 380, `the detail is ${geometry.detail.width} px wide`);
    assert.ok(geometry.verdictLine.bottom <= geometry.detail.bottom, "the host's verdict in view without scrolling");
    assert.ok(geometry.svg.right <= geometry.detail.right + 0.5, 'the diagram is not cut');
    assert.ok(geometry.verdict.right <= geometry.detail.right + 0.5, 'nor the verdict');
    assert.ok(geometry.hostRows >= 7, 'every host still listed');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await view.page.screenshot({ path: join(SCREENSHOTS, 'host-story-workbench.png') });
    await view.page.locator('.verdict').scrollIntoViewIfNeeded();
    const verdict = await view.page.$eval('.verdict', (n) => n.getBoundingClientRect());
    assert.ok(
      verdict.top >= geometry.detail.top - 0.5 && verdict.bottom <= geometry.detail.bottom + 0.5,
      'the verdict fits the pane once scrolled to',
    );
    assert.deepEqual(view.errors, []);
  });

  it('compresses idle time in the diagram into a marked break, and labels are whole', async () => {
    const view = await open({ width: 1600, height: 1000 });
    const recorded = fixture();
    await view.send(recorded.message);
    await view.page.locator('.host-row[data-host="pinned.bank.test"] .host').click();
    const { row, detail } = recorded.detailOf('pinned.bank.test');
    const last = detail.events.length - 2;
    const events = detail.events.map((e, i) => (i >= last ? { ...e, t: 10_000 + i } : e));
    await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
    const busy = await view.page.$eval('svg.sequence', (svg) => svg.getBoundingClientRect().height);
    await view.send({ type: 'detail', detail: { ...detail, id: row.id, events } });
    const diagram = await view.page.evaluate(() => {
      const svg = document.querySelector('svg.sequence') as SVGSVGElement;
      return {
        height: svg.getBoundingClientRect().height,
        idle: Array.from(svg.querySelectorAll('.idle-label')).map((t) => t.textContent),
        labels: Array.from(svg.querySelectorAll('.message .label')).map((t) => t.textContent),
      };
    });
    assert.ok(diagram.height < busy + 80, `10 s of idle time takes a break's room (${busy} → ${diagram.height} px)`);
    assert.deepEqual(diagram.idle, ['⋯ 10.0 s']);
    assert.ok(
      diagram.labels.some((l) => l === 'ClientHello (SNI pinned.bank.test)'),
      `whole labels: ${diagram.labels.join(' | ')}`,
    );
    assert.ok(
      diagram.labels.every((l) => !l.endsWith('…')),
      `no label cut at 1600 px: ${diagram.labels.join(' | ')}`,
    );
  });
});
