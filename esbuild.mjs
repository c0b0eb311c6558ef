// Builds every bundle of Pinscope: the extension host entry, the headless CLI, the inspector webview,
// and a non-bundled transpile of src/ and test/ into out/ for the test layers.
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @param {string} dir @returns {string[]} */
function tsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : tsFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Reports build start and end in the format the `$esbuild-watch` problem matcher expects. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  /** @param {esbuild.PluginBuild} build */
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  plugins: watch ? [problemMatcherPlugin] : [],
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  // The pin scan's worker thread, beside extension.js (the scan never runs on the thread of the proxy).
  {
    ...common,
    entryPoints: ['src/extension/pins/pinScanWorker.ts'],
    outfile: 'dist/pinScanWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  // The recording reader's worker thread, beside extension.js (a large recording is never parsed on the thread of the proxy).
  {
    ...common,
    entryPoints: ['src/extension/recordings/recordingWorker.ts'],
    outfile: 'dist/recordingWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
  // Loaded into users' Node programs by NODE_OPTIONS=--require; undici is a bundle of its own beside it,
  // loaded on the program's first fetch only (parsing it at every start would slow every Node program).
  {
    ...common,
    entryPoints: ['src/core/setup/nodePreload.ts'],
    outfile: 'dist/pinscope-node-preload.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    sourcemap: false,
  },
  {
    ...common,
    entryPoints: ['src/core/setup/nodeUndici.ts'],
    outfile: 'dist/pinscope-node-undici.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    sourcemap: false,
  },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'media/build/inspector.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    entryPoints: [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('scripts')],
    outdir: 'out',
    outbase: '.',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    plugins: watch ? [problemMatcherPlugin] : [],
  },
];

if (production) {
  // A release carries no source maps: remove any left by a development build.
  for (const map of [
    'dist/extension.js.map',
    'dist/cli.js.map',
    'dist/pinScanWorker.js.map',
    'dist/recordingWorker.js.map',
    'media/build/inspector.js.map',
  ])
    rmSync(map, { force: true });
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
// out/ is a transpile, not a bundle: the JSON data files that src/ imports are copied beside it.
cpSync('src/core/exemptions/data', 'out/src/core/exemptions/data', { recursive: true });
