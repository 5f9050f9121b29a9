// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins and no I/O packages.
const forbiddenInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  '@prisma/*',
  'prisma',
  'pg',
  'nodemailer',
  'mjml',
  'express',
  'pino',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'prisma/generated/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      'no-undef': 'off', // tsc (checkJs) knows Node's globals
      '@typescript-eslint/no-require-imports': 'off',
      // Plain JS executables run before the TypeScript build; tsc's checkJs checks their types.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // ES modules outside the TypeScript project, linted untyped: the embedded OpenID provider (oidc-provider
    // ships no types) and the pages' browser modules (api/assets), served as they are.
    ...tseslint.configs.disableTypeChecked,
    files: ['**/*.mjs', 'api/assets/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      parserOptions: { projectService: false, project: false, program: null },
      globals: { process: 'readonly', Buffer: 'readonly' },
    },
  },
  {
    // Tests read JSON responses, whose shape is what they assert.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Commands are what the JSON API and the staff console's pages both call: they know nothing of HTTP.
    files: ['api/commands/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['express'], patterns: ['express-*', '**/routers/*'] }] },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: forbiddenInWorkflows.filter((m) => !m.includes('*')),
          patterns: forbiddenInWorkflows.filter((m) => m.includes('*')),
        },
      ],
    },
  },
);
