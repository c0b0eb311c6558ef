/**
 * Lets integration tests inside the extension host act on the real webview: a test writes a request
 * file into PINSCOPE_TEST_SIGNALS, this driver (outside, with Playwright) performs it in the webview's
 * frame, then writes the answer file. Only the code-server host has a browser to drive.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';

export type WebviewRequest =
  /** Select the host (hosts view), whose story shows its latest connection, then click the detail pane's button with this data-action. */
  | { readonly host: string; readonly action: string }
  /** A screenshot of the whole workbench into .test-artifacts/screenshots/NAME.png (README pictures), after selecting `host` if given. */
  | { readonly screenshot: string; readonly host?: string };

const SCREENSHOTS = join(__dirname, '..', '..', '..', '.test-artifacts', 'screenshots');

/** The workbench as the user sees it, once what the test just opened has rendered (CodeLens, webview). */
async function screenshot(page: Page, name: string, host: string | undefined): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad screenshot name ${name}`);
  if (host !== undefined) {
    let frame: Frame | undefined;
    for (const deadline = Date.now() + 15_000; !frame && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200)))
      frame = await findInspectorFrame(page, host);
    if (!frame) throw new Error(`no webview row shows ${host}`);
    await frame.locator(`.host-row[data-host="${host}"] .host`).click();
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  return `screenshot ${name}`;
}

async function findInspectorFrame(page: Page, host: string): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    try {
      if ((await frame.locator('.row, .host-row', { hasText: host }).count()) > 0) return frame;
    } catch {
      // a frame that went away
    }
  }
  return undefined;
}

export function driveWebviewRequests(page: Page, dir: string, log: (line: string) => void): { stop(): void } {
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.request.json'))) {
        const path = join(dir, name);
        const request = JSON.parse(readFileSync(path, 'utf8')) as WebviewRequest;
        unlinkSync(path);
        let answer: string;
        try {
          if ('screenshot' in request) {
            answer = await screenshot(page, request.screenshot, request.host);
            log(`integration: webview driver: ${answer}`);
            writeFileSync(path.replace('.request.json', '.answer'), answer);
            continue;
          }
          const deadline = Date.now() + 15_000;
          let frame: Frame | undefined;
          while (!frame && Date.now() < deadline) {
            frame = await findInspectorFrame(page, request.host);
            if (!frame) await new Promise((resolve) => setTimeout(resolve, 200));
          }
          if (!frame) throw new Error(`no webview row shows ${request.host}`);
          // A click on the host tells its story: its latest connection's detail, with its actions.
          await frame.locator(`.host-row[data-host="${request.host}"] .host`).click();
          await frame.locator(`.detail [data-action="${request.action}"]`).click();
          answer = `clicked ${request.action} for ${request.host}`;
          mkdirSync(SCREENSHOTS, { recursive: true });
          await page.screenshot({ path: join(SCREENSHOTS, 'code-server-inspector.png') });
        } catch (error) {
          answer = `error: ${error instanceof Error ? error.message : String(error)}`;
        }
        log(`integration: webview driver: ${answer}`);
        writeFileSync(path.replace('.request.json', '.answer'), answer);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
    },
  };
}

/** Used by tests inside the extension host: asks the driver, waits for its answer. */
export async function askWebview(request: WebviewRequest, timeoutMs = 30_000): Promise<string | undefined> {
  const dir = process.env['PINSCOPE_TEST_SIGNALS'];
  if (!dir) return undefined;
  const id = randomUUID();
  writeFileSync(join(dir, `${id}.request.json`), JSON.stringify(request));
  const answer = join(dir, `${id}.answer`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(answer)) return readFileSync(answer, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the webview driver did not answer');
}
