// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'media/build/**', 'node_modules/**', '*.mjs', '.vscode-test/**', 'test/cli/clients/**', 'test/compat/clients/**', 'test/fixtures/pins/**', '.test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'], package: 'node:test' }] }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      eqeqeq: 'error',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core, src/cli and src/shared must not depend on VS Code.' }] }],
    },
  },
  {
    // src/shared is bundled into the webview: it imports nothing but itself (core, the CLI and the
    // extension import it, never the other way round).
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/shared runs in the webview too.' }],
        patterns: [{ regex: '^(?!\./[A-Za-z]+$)', message: 'src/shared imports only its own modules (./name): the webview bundles it.' }],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview runs in a browser.' }],
        patterns: [
          { group: ['**/src/core/**', '**/src/extension/**', '**/src/cli/**', 'node:*'], message: 'The webview may import only src/shared.' },
          { group: ['@vscode/webview-ui-toolkit*'], message: 'Import the toolkit only in webview/toolkit.ts (it is deprecated upstream and must stay swappable).' },
        ],
      }],
    },
  },
  {
    files: ['webview/toolkit.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
