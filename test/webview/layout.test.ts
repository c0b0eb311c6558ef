/**
 * The inspector as a person sees it, in real Chromium at 800 px and 1,600 px: nothing overlaps or is
 * cut while there is room, badges meet WCAG AA in the light and dark themes, the diagram and verdict
 * of a pinning failure read as they should; screenshots of the hosts view and of a selected pinning
 * failure in the three theme kinds go to .test-artifacts/screenshots.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fixture } from './fixtures';
import { inspectorPages, type Theme } from './page';

const SCREENSHOTS = resolve(__dirname, '..', '..', '..', '.test-artifacts', 'screenshots');

/** WCAG 2.x contrast ratio of two `rgb(…)` / `color(srgb …)` colours as Chromium computes them. */
function contrast(a: string, b: string): number {
  const channels = (c: string): number[] => {
    const srgb = /color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)/.exec(c);
    if (srgb) return srgb.slice(1, 4).map(Number);
    const rgb = /rgba?\((\d+), (\d+), (\d+)/.exec(c);
    if (rgb) return rgb.slice(1, 4).map((v) => Number(v) / 255);
    throw new Error(`cannot read colour ${c}`);
  };
  const luminance = (c: string): number => {
    const [r = 0, g = 0, bl = 0] = channels(c).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

describe('inspector layout and contrast', () => {
  const open = inspectorPages();

  for (const width of [800, 1600]) {
    it(`at ${width} px: no time over a host name, host names whole, strips and badges not cut`, async () => {
      const view = await open({ width, height: 900, state: { view: 'connections' } });
      const { message } = fixture();
      await view.send(message);
      const rows = await view.page.locator('.row').evaluateAll((nodes) =>
        nodes.map((row) => {
          const box = (n: Element | null): Box | null => (n ? n.getBoundingClientRect() : null);
          const host = row.querySelector('.host') as HTMLElement;
          const strip = row.querySelector('.strip') as HTMLElement;
          const steps = Array.from(strip.querySelectorAll('.step')).map((s) => box(s));
          return {
            row: box(row),
            time: box(row.querySelector('.time')),
            host: box(host),
            hostCut: host.scrollWidth > host.clientWidth,
            hostText: host.textContent,
            strip: box(strip),
            steps,
            stripWidth: strip.getBoundingClientRect().width,
            badges: Array.from(row.querySelectorAll('.badge'))
              .filter((b) => b.textContent)
              .map((b) => ({ cut: (b as HTMLElement).scrollWidth > (b as HTMLElement).clientWidth + 1, text: b.textContent })),
          };
        }),
      );
      assert.equal(rows.length, 8);
      for (const r of rows) {
        assert.ok(r.time && r.host && r.strip && r.row);
        assert.ok(r.time.right <= r.host.left, `time and host overlap in ${r.hostText}`);
        if (!r.hostText.includes('onerror')) assert.equal(r.hostCut, false, `${r.hostText} is cut at ${width} px`);
        for (const b of r.badges) assert.equal(b.cut, false, `badge "${b.text}" is cut`);
        assert.ok(r.strip.right <= r.row.right, 'the strip ends inside the row');
        let shown = 0;
        for (const s of r.steps) {
          assert.ok(s);
          const inside = s.top >= r.strip.top - 0.5 && s.bottom <= r.strip.bottom + 0.5;
          if (inside) {
            shown++;
            assert.ok(s.right <= r.strip.right + 0.5, 'a step in view is whole, never cut at the right edge');
          }
        }
        if (r.stripWidth > 140) assert.ok(shown >= 2, `the strip shows whole steps (${shown})`);
      }
      assert.deepEqual(view.errors, []);
    });

    it(`at ${width} px: host rows and a selected failure's diagram fit the panel`, async () => {
      const view = await open({ width, height: 900 });
      const { message, detailOf } = fixture();
      await view.send(message);
      const hosts = await view.page.locator('.host-row').evaluateAll((nodes) =>
        nodes.map((row) => {
          const host = row.querySelector('.host') as HTMLElement;
          const actions = row.querySelector('.host-actions') as HTMLElement;
          return {
            hostCut: host.scrollWidth > host.clientWidth,
            text: host.textContent,
            actionsRight: actions.getBoundingClientRect().right,
            rowRight: row.getBoundingClientRect().right,
          };
        }),
      );
      for (const h of hosts) {
        if (!h.text.includes('onerror')) assert.equal(h.hostCut, false, `${h.text} cut`);
        assert.ok(h.actionsRight <= h.rowRight + 0.5, `the actions of ${h.text} are inside the row`);
      }
      const { row, detail } = detailOf('pinned.bank.test');
      await view.page.locator('.host-row[data-host="pinned.bank.test"]').click();
      await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
      const geometry = await view.page.evaluate(() => {
        const pane = document.querySelector('.detail') as HTMLElement;
        const svg = document.querySelector('svg.sequence') as SVGSVGElement;
        const texts = Array.from(svg.querySelectorAll('text')).map((t) => t.getBoundingClientRect());
        return { pane: pane.getBoundingClientRect(), svg: svg.getBoundingClientRect(), texts, scroll: pane.scrollWidth - pane.clientWidth };
      });
      assert.ok(geometry.svg.right <= geometry.pane.right + 0.5, 'the diagram is not cut at the right edge');
      for (const t of geometry.texts)
        assert.ok(t.left >= geometry.svg.left - 0.5 && t.right <= geometry.svg.right + 0.5, 'every diagram label inside the diagram');
      assert.equal(geometry.scroll, 0, 'no horizontal scrolling in the detail pane');
    });
  }

  it('shows a pinning failure as a sequence diagram, the verdict beside the failure, and the next step', async () => {
    const view = await open({ width: 1600, height: 1000, state: { view: 'connections' } });
    const { message, detailOf } = fixture();
    await view.send(message);
    const { row, detail } = detailOf('pinned.bank.test');
    await view.page.locator(`.row[data-id="${row.id}"]`).click();
    await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
    const kinds = await view.page.locator('svg.sequence .message').evaluateAll((g) => g.map((n) => n.getAttribute('data-kind')));
    for (const kind of ['client-hello', 'forged-certificate', 'upstream-tls', 'handshake-complete', 'close-notify'])
      assert.ok(kinds.includes(kind), `${kind} is drawn`);
    const labels = await view.page.locator('svg.sequence .message').allTextContents();
    assert.ok(labels.some((l) => /ClientHello \(SNI pinned\.bank\.test\)/.test(l)));
    assert.ok(
      labels.some((l) => /\d+\.\d ms/.test(l)),
      'times in ms',
    );
    const failed = view.page.locator('svg.sequence .message.failed');
    assert.equal(await failed.count(), 1);
    assert.equal(await failed.getAttribute('data-kind'), 'close-notify');
    const ys = await view.page
      .locator('svg.sequence .message line.arrow')
      .evaluateAll((lines) => lines.map((l) => Number(l.getAttribute('y1'))));
    assert.deepEqual(
      ys,
      [...ys].sort((a, b) => a - b),
      'arrows in time order, top to bottom',
    );
    const beside = await view.page.evaluate(() => {
      const mark = document.querySelector('svg.sequence .failure-mark')?.getBoundingClientRect();
      const verdict = document.querySelector('.verdict')?.getBoundingClientRect();
      return mark && verdict
        ? { markY: mark.top + mark.height / 2, top: verdict.top, bottom: verdict.bottom, verdictLeft: verdict.left, markRight: mark.right }
        : null;
    });
    assert.ok(
      beside && beside.markY >= beside.top && beside.markY <= beside.bottom && beside.verdictLeft > beside.markRight,
      JSON.stringify(beside),
    );
    await view.page.locator('.verdict [data-action=next-confirm]').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'confirmHost', host: 'pinned.bank.test' });
    const text = (await view.page.textContent('.detail')) ?? '';
    assert.match(text, /trusts the Pinscope CA, so rejecting this host points to pinning/);
    assert.match(text, /TLS_AES_128_GCM_SHA256 \(0x1301\)/, 'cipher suites by name');
    assert.match((await view.page.textContent('[data-cert=real]')) ?? '', /sha256\/r3alPin/);
    assert.ok(await view.page.locator('[data-cert=forged]').count());
    assert.equal(await view.page.locator('details.raw[open]').count(), 0, 'raw JSON behind a toggle');
    await view.page.locator('[data-action=copy-ja4]').click();
    assert.equal((await view.posted()).at(-1)?.type, 'copy');
  });

  it('puts an upstream failure’s reason at the top and offers no exemption; an untrusted CA offers to trust it', async () => {
    const view = await open({ width: 1600, height: 1000, state: { view: 'connections' } });
    const { message, detailOf } = fixture();
    await view.send(message);
    const gone = detailOf('gone.example.org');
    await view.page.locator(`.row[data-id="${gone.row.id}"]`).click();
    await view.send({ type: 'detail', detail: { ...gone.detail, id: gone.row.id } });
    const order = await view.page.evaluate(() =>
      Array.from(document.querySelectorAll('.detail .connection > *')).map((n) => n.className || n.tagName),
    );
    assert.equal(order[1], 'upstream-reason', "right under the connection's title");
    assert.match((await view.page.textContent('.upstream-reason')) ?? '', /DNS lookup of gone\.example\.org failed/);
    assert.equal(await view.page.locator('.detail [data-action=choose], .detail [data-action^=next-]').count(), 0);
    assert.equal(await view.page.locator('.detail h3', { hasText: 'Certificates' }).count(), 0, 'an empty section has no heading');
    const tele = detailOf('telemetry.vendor.test');
    await view.page.locator(`.row[data-id="${tele.row.id}"]`).click();
    await view.send({ type: 'detail', detail: { ...tele.detail, id: tele.row.id } });
    assert.match((await view.page.textContent('svg.sequence')) ?? '', /alert certificate_unknown/);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`badges meet WCAG AA (4.5:1) in the default ${theme} theme`, async () => {
      const view = await open({ theme, state: { view: 'connections' } });
      const { message, rows } = fixture();
      await view.send({
        ...message,
        rows: [
          ...rows,
          ...rows.slice(2, 3).map((r) => ({ ...r, id: 500, confirmed: true })),
          ...rows.slice(0, 1).map((r) => ({ ...r, id: 501, finished: false, category: null })),
        ],
      } as typeof message);
      const colours = await view.page
        .locator('.badge')
        .evaluateAll((nodes) =>
          nodes
            .filter((n) => n.textContent)
            .map((n) => ({ text: n.textContent, fg: getComputedStyle(n).color, bg: getComputedStyle(n).backgroundColor })),
        );
      assert.ok(colours.length >= 10);
      for (const c of colours)
        assert.ok(contrast(c.fg, c.bg) >= 4.5, `"${c.text}": ${c.fg} on ${c.bg} is ${contrast(c.fg, c.bg).toFixed(2)}:1`);
    });
  }

  for (const theme of ['light', 'dark', 'high-contrast'] as const satisfies readonly Theme[]) {
    it(`screenshots the hosts view and a selected pinning failure in the ${theme} theme`, async () => {
      const view = await open({ theme, width: 1600, height: 900 });
      const { message, detailOf } = fixture();
      await view.send(message);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await view.page.screenshot({ path: join(SCREENSHOTS, `hosts-${theme}.png`) });
      const { row, detail } = detailOf('pinned.bank.test');
      await view.page.locator('.host-row[data-host="pinned.bank.test"]').click();
      await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
      await view.page.focus('.list');
      await view.page.screenshot({ path: join(SCREENSHOTS, `pinning-failure-${theme}.png`) });
      const background = await view.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, theme === 'light' ? 'rgb(255, 255, 255)' : theme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(0, 0, 0)');
      assert.equal(await view.page.$eval('.list .active', (n) => getComputedStyle(n).outlineStyle !== 'none'), true, 'focus visible');
      assert.deepEqual(view.errors, []);
    });
  }
});
