/**
 * Loads the built inspector bundle into a page that uses the panel's real HTML and CSP, with a stub
 * `acquireVsCodeApi` that records posted messages, in Debian's Chromium through playwright-core.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostMessage, WebviewMessage } from '../../src/shared/protocol';
import { inspectorHtml } from '../../src/extension/inspector/inspectorHtml';
import { CHROMIUM, CHROMIUM_ARGS } from '../host/codeServerRunner';

const ROOT = resolve(__dirname, '..', '..', '..');

export type Theme = 'light' | 'dark' | 'high-contrast';

/** A few of the variables VS Code injects into webviews, per theme (the default Light Modern, Dark Modern and Dark High Contrast values). */
const THEMES: Readonly<Record<Theme, Readonly<Record<string, string>>>> = {
  light: {
    '--vscode-foreground': '#3b3b3b',
    '--vscode-editor-background': '#ffffff',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-errorForeground': '#e51400',
    '--vscode-editorWarning-foreground': '#bf8803',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-list-activeSelectionBackground': '#e4e6f1',
    '--vscode-list-activeSelectionForeground': '#000000',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-textCodeBlock-background': '#f3f3f3',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-input-background': '#ffffff',
    '--vscode-input-foreground': '#3b3b3b',
    '--vscode-input-border': '#cecece',
    '--vscode-checkbox-background': '#f8f8f8',
    '--vscode-checkbox-border': '#cecece',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-testing-iconPassed': '#388a34',
    '--vscode-badge-background': '#cccccc',
    '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px',
  },
  dark: {
    '--vscode-foreground': '#cccccc',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-errorForeground': '#f85149',
    '--vscode-editorWarning-foreground': '#cca700',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-list-activeSelectionBackground': '#04395e',
    '--vscode-list-activeSelectionForeground': '#ffffff',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-textCodeBlock-background': '#2b2b2b',
    '--vscode-dropdown-background': '#313131',
    '--vscode-dropdown-foreground': '#cccccc',
    '--vscode-input-background': '#313131',
    '--vscode-input-foreground': '#cccccc',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-testing-iconPassed': '#73c991',
    '--vscode-badge-background': '#616161',
    '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px',
  },
  'high-contrast': {
    '--vscode-foreground': '#ffffff',
    '--vscode-editor-background': '#000000',
    '--vscode-descriptionForeground': '#ffffff',
    '--vscode-errorForeground': '#f48771',
    '--vscode-editorWarning-foreground': '#ffd700',
    '--vscode-contrastBorder': '#6fc3df',
    '--vscode-focusBorder': '#f38518',
    '--vscode-button-background': '#000000',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-border': '#6fc3df',
    '--vscode-testing-iconPassed': '#73c991',
    '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px',
  },
};

export interface InspectorPage {
  readonly page: Page;
  readonly errors: string[];
  send(message: HostMessage): Promise<void>;
  posted(): Promise<WebviewMessage[]>;
  close(): Promise<void>;
}

let browserPromise: Promise<Browser> | undefined;
function browser(): Promise<Browser> {
  browserPromise ??= chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return browserPromise;
}

export async function closeBrowser(): Promise<void> {
  if (browserPromise) await (await browserPromise).close();
  browserPromise = undefined;
}

function serve(focusId?: number): Promise<Server> {
  const nonce = randomBytes(16).toString('base64');
  const server = createServer((request, response) => {
    const origin = `http://${request.headers.host ?? ''}`;
    const files: Record<string, [string, string]> = {
      '/build/inspector.js': [join(ROOT, 'media', 'build', 'inspector.js'), 'text/javascript'],
      '/inspector.css': [join(ROOT, 'media', 'inspector.css'), 'text/css'],
    };
    const file = files[request.url ?? ''];
    if (file) {
      response.writeHead(200, { 'content-type': file[1] });
      response.end(readFileSync(file[0]));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(
      inspectorHtml({
        cspSource: origin,
        nonce,
        scriptUri: `${origin}/build/inspector.js`,
        styleUri: `${origin}/inspector.css`,
        ...(focusId === undefined ? {} : { focusId }),
      }),
    );
  });
  return new Promise((resolveServer) => server.listen(0, '127.0.0.1', () => resolveServer(server)));
}

/** `focusId`: the page of "Open in Editor" for that connection. */
export async function openInspector(
  options: { theme?: Theme; state?: unknown; width?: number; height?: number; focusId?: number } = {},
): Promise<InspectorPage> {
  const server = await serve(options.focusId);
  const context = await (await browser()).newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.addInitScript((saved: unknown) => {
    const w = window as unknown as { __posted: unknown[]; __state: unknown; __pwned?: boolean; acquireVsCodeApi: () => unknown };
    w.__posted = [];
    w.__state = saved;
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => w.__posted.push(m),
      getState: () => w.__state,
      setState: (s: unknown) => {
        w.__state = s;
      },
    });
  }, options.state ?? null);
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const theme = options.theme ?? 'dark';
  await page.evaluate(
    ([variables, themeName]) => {
      for (const [name, value] of Object.entries(variables)) document.documentElement.style.setProperty(name, value);
      document.body.classList.add(`vscode-${themeName}`);
    },
    [THEMES[theme], theme] as const,
  );
  return {
    page,
    errors,
    send: async (message) => {
      await page.evaluate((m) => window.postMessage(m, '*'), message);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    },
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted),
    close: async () => {
      await context.close();
      server.close();
    },
  };
}

/**
 * For a test suite: opens inspector pages and closes them, and the browser, after the suite
 * (call it inside `describe`).
 */
export function inspectorPages(): (options?: Parameters<typeof openInspector>[0]) => Promise<InspectorPage> {
  const pages: InspectorPage[] = [];
  after(async () => {
    for (const p of pages) await p.close();
    await closeBrowser();
  });
  return async (options) => {
    const page = await openInspector(options);
    pages.push(page);
    return page;
  };
}
