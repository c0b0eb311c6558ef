/**
 * The inspector under load, in real Chromium: 10,000 connections, then 1,000 row updates per second
 * for 5 seconds while scrolling; reports frame times, filter latency, DOM size and JS heap.
 * A benchmark, not a test: `npm run bench` prints it, nothing asserts on time.
 */
import { judgeAll } from '../../src/core/diagnosis/hostSummary';
import { toConnectionRow } from '../../src/core/report/inspectorRows';
import type { ConnectionRow, ProxyState } from '../../src/shared/protocol';
import { transcripts } from '../support/transcripts';
import { closeBrowser, openInspector } from '../webview/page';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
};

function makeRows(count: number, offset = 0): ConnectionRow[] {
  const kinds = [transcripts.ok, transcripts.closedAfterHandshake, transcripts.alert, transcripts.reset] as const;
  const records = Array.from({ length: count }, (_, i) => {
    const make = kinds[(i + offset) % kinds.length] ?? transcripts.ok;
    return make(`host${(i + offset) % 700}.bank${(i + offset) % 13}.test`);
  });
  return judgeAll(records).map(({ record, verdict }, i) => ({ ...toConnectionRow(record, verdict), id: offset + i + 1 }));
}

async function measure(view: 'hosts' | 'connections'): Promise<void> {
  // The hosts view with a few hosts expanded, so both host rows and their connections are drawn.
  const saved = view === 'hosts' ? { view, expanded: ['host1.bank1.test', 'host2.bank2.test', 'host3.bank3.test'] } : { view };
  const inspector = await openInspector({ theme: 'dark', width: 1400, height: 900, state: saved });
  const { page } = inspector;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heapMiB = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
  };
  const state: ProxyState = { running: true, url: 'http://127.0.0.1:8899', headline: 'bench', dropped: 0, kept: 20_000 };
  const rows = makeRows(10_000);
  const heapBefore = await heapMiB();
  // Timed inside the page, from the message to the second frame after it (the transfer is not counted).
  const initialRender = await page.evaluate(
    (message) =>
      new Promise<number>((resolve) => {
        const start = performance.now();
        window.postMessage(message, '*');
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
      }),
    { type: 'reset', rows, state },
  );
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __stop: boolean };
    w.__frames = [];
    w.__stop = false;
    let last = performance.now();
    const tick = (now: number): void => {
      w.__frames.push(now - last);
      last = now;
      if (!w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  let next = 10_001;
  const started = performance.now();
  let updates = 0;
  while (performance.now() - started < 5000) {
    const batch = [
      ...makeRows(100, next),
      ...rows.slice((updates * 7) % 9_000, ((updates * 7) % 9_000) + 100).map((r) => ({ ...r, durationMs: r.durationMs + 1 })),
    ];
    next += 100;
    updates += batch.length;
    await page.evaluate((m) => window.postMessage(m, '*'), { type: 'rows', rows: batch, state });
    await page.mouse.move(300, 400);
    await page.mouse.wheel(0, updates % 2000 < 1000 ? 600 : -600);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __stop: boolean };
    w.__stop = true;
    return w.__frames.slice(1);
  });
  const filterLatency = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const field = document.querySelector<HTMLElement & { value: string }>('[data-control=filter]');
        if (!field) return resolve(NaN);
        const start = performance.now();
        field.value = 'bank7';
        field.dispatchEvent(new Event('input'));
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
      }),
  );
  const domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
  const visibleRows = await page.locator('.row, .host-row').count();
  const heapAfter = await heapMiB();
  const result = {
    workload: `inspector (${view} view): 10,000 connections + 1,000 updates/s for 5 s while scrolling`,
    initialRenderMs: Math.round(initialRender),
    updatesSent: updates,
    updatesPerSecond: Math.round(updates / ((performance.now() - started) / 1000)),
    frames: frames.length,
    frameMsP50: percentile(frames, 0.5),
    frameMsP95: percentile(frames, 0.95),
    frameMsP99: percentile(frames, 0.99),
    frameMsMax: Math.max(...frames),
    longFramesOver50ms: frames.filter((f) => f > 50).length,
    filterToPaintMs: Math.round(filterLatency),
    domNodes,
    rowsInDom: visibleRows,
    jsHeapMiB: { before: Number(heapBefore.toFixed(1)), after: Number(heapAfter.toFixed(1)) },
    errors: inspector.errors.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(
    `\n| inspector under load (${view} view) | value |\n| --- | --- |\n| first render of 10,000 rows | ${result.initialRenderMs} ms |\n| live updates | ${result.updatesPerSecond} rows/s in batches |\n| frame time p50 / p95 / p99 / max | ${result.frameMsP50.toFixed(1)} / ${result.frameMsP95.toFixed(1)} / ${result.frameMsP99.toFixed(1)} / ${result.frameMsMax.toFixed(1)} ms |\n| frames over 50 ms | ${result.longFramesOver50ms} of ${result.frames} |\n| filter to paint | ${result.filterToPaintMs} ms |\n| DOM nodes (rows in DOM) | ${result.domNodes} (${result.rowsInDom}) |\n| JS heap before → after | ${result.jsHeapMiB.before} → ${result.jsHeapMiB.after} MiB |\n`,
  );
  await inspector.close();
}

async function main(): Promise<void> {
  await measure('connections');
  await measure('hosts');
  await closeBrowser();
}

main().catch((error: unknown) => {
  process.stderr.write(`webview bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
