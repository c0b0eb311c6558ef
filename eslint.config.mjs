// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const EXTENSION = { group: ['**/extension/**', '**/extension'], message: 'Only the extension imports src/extension.' };
const CLI = { group: ['**/cli/**', '**/cli'], message: 'Only the CLI imports src/cli.' };
const SOCKETS_AND_KEYS = {
  group: ['**/proxy/*', '**/pki/*', '**/process/*', '**/io/*', '**/session', '**/engine'],
  message:
    'diagnosis, report and exemptions are pure functions over recorded connections: they never import core/proxy, core/pki, core/process (the recorded shapes are in core/record), core/io, or the session and engine above them.',
};
const FILES = {
  group: ['fs', 'fs/*', 'node:fs', 'node:fs/*'],
  message: 'diagnosis, report and exemptions do no file IO: reading and writing files belongs to core/io or the CLI and extension.',
};

/**
 * Options for no-restricted-imports (a later config block replaces an earlier one's options, so every
 * block lists all that applies to its files).
 * @param {{ vscode: boolean, groups: { group: string[], message: string }[] }} options
 */
function restricted({ vscode, groups }) {
  return {
    paths: vscode ? [{ name: 'vscode', message: 'src/core, src/cli and src/shared must not depend on VS Code.' }] : [],
    patterns: groups,
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'media/build/**',
      'node_modules/**',
      '*.mjs',
      '.vscode-test/**',
      'test/cli/clients/**',
      'test/compat/clients/**',
      'test/fixtures/pins/**',
      '.test-artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      eqeqeq: 'error',
    },
  },
  // The direction of imports (docs/architecture.md): extension and cli use core; everything may use
  // shared; inside core, the record (timeline, store, record/) and diagnosis, report and exemptions are
  // pure: they never reach proxy, pki, process, io or the session above them, and do no file IO.
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restricted({ vscode: true, groups: [EXTENSION] })] },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restricted({ vscode: true, groups: [EXTENSION, CLI] })] },
  },
  {
    files: [
      'src/core/diagnosis/**/*.ts',
      'src/core/report/**/*.ts',
      'src/core/exemptions/**/*.ts',
      'src/core/record/**/*.ts',
      'src/core/timeline.ts',
      'src/core/connectionStore.ts',
      'src/core/hostNames.ts',
    ],
    rules: { 'no-restricted-imports': ['error', restricted({ vscode: true, groups: [EXTENSION, CLI, SOCKETS_AND_KEYS, FILES] })] },
  },
  {
    // Writes a recording owner-only: file IO still in report/, to move to core/io (its owner's change).
    files: ['src/core/report/recordingFile.ts'],
    rules: { 'no-restricted-imports': ['error', restricted({ vscode: true, groups: [EXTENSION, CLI, SOCKETS_AND_KEYS] })] },
  },
  {
    // h27-paths (issue 32 item 4): the proxy's protocol logic does no IO (bytes and facts in, facts out),
    // tested as tables; only the rest of core/proxy touches sockets and files.
    files: ['src/core/proxy/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...restricted({ vscode: true, groups: [EXTENSION, CLI] }),
          paths: [
            { name: 'vscode', message: 'src/core, src/cli and src/shared must not depend on VS Code.' },
            ...['tls', 'fs', 'fs/promises', 'dgram', 'child_process']
              .flatMap((m) => [`node:${m}`, m])
              .map((name) => ({ name, message: 'core/proxy/protocol does no IO: sockets and files stay in core/proxy.' })),
            // isIP only reads a string.
            ...['node:net', 'net'].map((name) => ({
              name,
              allowImportNames: ['isIP'],
              message:
                'core/proxy/protocol does no IO: sockets and files stay in core/proxy (isIP, which only reads a string, is allowed).',
            })),
          ],
        },
      ],
    },
  },
  {
    // src/shared is bundled into the webview: it imports nothing but itself (core, the CLI and the
    // extension import it, never the other way round).
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/shared runs in the webview too.' }],
          patterns: [
            { regex: '^(?!\\./[A-Za-z]+$)', message: 'src/shared imports only its own modules (./name): the webview bundles it.' },
          ],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview runs in a browser.' }],
          patterns: [
            {
              regex: '^(?!\\./[A-Za-z]+$|\\.\\./src/shared/[A-Za-z]+$|@vscode/webview-ui-toolkit)',
              message: 'The webview may import only src/shared (and its own modules).',
            },
            {
              group: ['@vscode/webview-ui-toolkit*'],
              message: 'Import the toolkit only in webview/toolkit.ts (it is deprecated upstream and must stay swappable).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['webview/toolkit.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
