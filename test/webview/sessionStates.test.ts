/**
 * What the extension pushes beyond rows, in real Chromium: host actions follow `hostModes`; a recording
 * is read-only with its name and skipped lines in the status; a start error is shown; "Pinned in
 * path:line" opens the pin.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxyState } from '../../src/shared/protocol';
import { fixture, state } from './fixtures';
import { inspectorPages, type InspectorPage } from './page';

describe('inspector webview: session states', () => {
  const open = inspectorPages();

  const actionsOf = (view: InspectorPage, host: string): Promise<(string | null)[]> =>
    view.page.locator(`.host-row[data-host="${host}"] [data-action]`).evaluateAll((b) => b.map((n) => n.getAttribute('data-action')));
  const status = async (view: InspectorPage): Promise<string> => (await view.page.textContent('.proxy-status')) ?? '';

  it('offers Intercept, not Tunnel, for a host the extension says is tunnelled, and follows the mode as it changes', async () => {
    const view = await open();
    const { rows, detailOf } = fixture();
    assert.ok(
      rows.filter((r) => r.host === 'pinned.bank.test').every((r) => r.mode === 'intercept'),
      'its connections were intercepted',
    );
    const tunnelled: ProxyState = { ...state, hostModes: [{ host: 'pinned.bank.test', mode: 'tunnel', source: 'setting' }] };
    await view.send({ type: 'reset', rows, state: tunnelled });
    assert.deepEqual(
      await actionsOf(view, 'pinned.bank.test'),
      ['intercept', 'choose'],
      'tunnelled by pinscope.tunnelHosts: intercept again, or exempt',
    );
    assert.deepEqual(
      await actionsOf(view, 'telemetry.vendor.test'),
      ['confirm', 'tunnel', 'choose'],
      'a host without a mode keeps what its connections had',
    );
    await view.page.locator('.host-row[data-host="pinned.bank.test"] [data-action=intercept]').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'interceptHost', host: 'pinned.bank.test' });
    await view.send({
      type: 'state',
      state: { ...state, hostModes: [{ host: 'pinned.bank.test', mode: 'intercept', source: 'session' }] },
    });
    assert.deepEqual(
      await actionsOf(view, 'pinned.bank.test'),
      ['confirm', 'tunnel', 'choose'],
      'intercepted again: the actions follow at once',
    );
    await view.send({
      type: 'state',
      state: { ...state, hostModes: [{ host: 'telemetry.vendor.test', mode: 'tunnel', source: 'session' }] },
    });
    assert.deepEqual(await actionsOf(view, 'telemetry.vendor.test'), ['intercept', 'choose']);
    const { row, detail } = detailOf('telemetry.vendor.test');
    await view.page.locator('.host-row[data-host="telemetry.vendor.test"] .host').click();
    await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
    assert.equal(
      await view.page.locator('.detail .actions [data-action=tunnel]').count(),
      0,
      'the detail pane follows the pushed mode too',
    );
    assert.equal(await view.page.locator('.detail .actions [data-action=intercept]').count(), 1);
    assert.deepEqual(view.errors, []);
  });

  it('shows a recording read-only: its name and skipped lines in the status; no Start, Stop, Clear or host actions', async () => {
    const view = await open();
    const { rows, detailOf } = fixture();
    const skipped = [
      'line 7: not JSON (cut off while being written?)',
      'line 9: an upstream-tls event without a well-formed chain',
      'line 12: not a Pinscope connection record',
    ];
    const recording: ProxyState = {
      ...state,
      running: false,
      url: null,
      hostModes: [{ host: 'pinned.bank.test', mode: 'tunnel', source: 'setting' }],
      recording: { name: 'ci-run.pinscope.jsonl', skipped },
    };
    await view.send({ type: 'reset', rows, state: recording });
    const line = await status(view);
    assert.match(
      line,
      /^Recording ci-run\.pinscope\.jsonl \(read-only\) · 8 connections · 3 line\(s\) skipped: line 7: not JSON \(cut off while being written\?\); line 9: an upstream-tls event/,
    );
    assert.doesNotMatch(line, /Proxy stopped/);
    assert.equal(await view.page.locator('[data-action=toggle]').isHidden(), true, 'no Start or Stop');
    assert.equal(await view.page.locator('[data-action=clear]').isHidden(), true, 'no Clear');
    assert.equal(await view.page.locator('[data-action=export]').isVisible(), true, 'export from a recording stays');
    for (const host of ['pinned.bank.test', 'telemetry.vendor.test', 'api.example.com', 'gone.example.org']) {
      const actions = await actionsOf(view, host);
      assert.ok(
        actions.every((a) => a === 'choose'),
        `${host}: ${actions.join(', ')}`,
      );
    }
    assert.deepEqual(await actionsOf(view, 'pinned.bank.test'), ['choose'], 'a breaking host can still be exempted');
    const { row, detail } = detailOf('pinned.bank.test');
    await view.page.locator('.host-row[data-host="pinned.bank.test"] .host').click();
    await view.send({ type: 'detail', detail: { ...detail, id: row.id } });
    assert.equal(
      await view.page.locator('.detail .actions').locator('[data-action=tunnel], [data-action=intercept], [data-action=confirm]').count(),
      0,
    );
    await view.send({ type: 'reset', rows, state });
    assert.equal(await view.page.locator('[data-action=toggle]').isVisible(), true, 'a live session shows them again');
    assert.equal(await view.page.locator('[data-action=clear]').isVisible(), true);
    assert.doesNotMatch(await status(view), /Recording/);
  });

  it('shows why the proxy could not start, until it starts', async () => {
    const view = await open();
    await view.send({
      type: 'reset',
      rows: [],
      state: {
        ...state,
        running: false,
        url: null,
        headline: 'Proxy stopped',
        startError: 'port 8899 on 127.0.0.1 is in use (set pinscope.port or use any free port)',
      },
    });
    assert.equal(
      await status(view),
      'The proxy could not start: port 8899 on 127.0.0.1 is in use (set pinscope.port or use any free port)',
    );
    assert.equal(await view.page.textContent('[data-action=toggle]'), 'Start proxy');
    await view.send({ type: 'state', state });
    assert.match(await status(view), /^Listening on http:\/\/127\.0\.0\.1:8899/);
    assert.doesNotMatch((await view.page.textContent('#app')) ?? '', /could not start/);
  });

  it('shows "Pinned in path:line" for a detail with pinnedAt, each a button that sends openPin', async () => {
    const view = await open({ state: { view: 'connections' } });
    const { message, detailOf } = fixture();
    await view.send(message);
    const { row, detail } = detailOf('pinned.bank.test');
    await view.page.locator(`.row[data-id="${row.id}"]`).click();
    assert.equal(await view.page.locator('.pinned-at').count(), 0, 'no pins before the host names any');
    const hostile = 'lib/<img src=x onerror="window.__pwned=true">.dart';
    await view.send({
      type: 'detail',
      detail: {
        ...detail,
        id: row.id,
        pinnedAt: [
          { path: 'android/app/src/main/res/xml/network_security_config.xml', line: 7 },
          { path: hostile, line: 12 },
        ],
      },
    });
    const buttons = view.page.locator('.pinned-at [data-action=open-pin]');
    assert.deepEqual(await buttons.allTextContents(), ['android/app/src/main/res/xml/network_security_config.xml:7', `${hostile}:12`]);
    assert.match((await view.page.textContent('.pinned-at')) ?? '', /^Pinned in /);
    await buttons.nth(0).click();
    await buttons.nth(1).click();
    assert.deepEqual(
      (await view.posted()).filter((m) => m.type === 'openPin'),
      [
        { type: 'openPin', path: 'android/app/src/main/res/xml/network_security_config.xml', line: 7 },
        { type: 'openPin', path: hostile, line: 12 },
      ],
    );
    assert.equal(await view.page.locator('#app img').count(), 0, 'a path is text');
    await view.send({ type: 'detail', detail: { ...detail, id: row.id, pinnedAt: [] } });
    assert.equal(await view.page.locator('.pinned-at').count(), 0, 'an empty list shows nothing');
  });
});
