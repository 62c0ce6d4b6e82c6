// One linter for the project: typescript-eslint's recommended rules, and no focused or skipped tests.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const jestPlugin = require('eslint-plugin-jest');
const { builtinModules } = require('node:module');

/**
 * The architecture's boundaries (docs/architecture.md), enforced: the core (shared/core) speaks only its own
 * vocabulary and ports, so it imports no AWS SDK, Twilio, Lambda types, WebSocket or database package, and
 * nothing from the adapters, the runtime or infra. Handlers (functions/) reach adapters only through the
 * runtime's composition root. The rules served to the browser (shared/core/rules.ts and what it re-exports)
 * also import nothing Node-only. test/unit/lint-boundary.test.ts proves each rule fires.
 */
const CORE_FORBIDDEN = [
  {
    group: ['@aws-sdk/*', 'aws-sdk', 'aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*'],
    message: 'The core imports no AWS SDK or Lambda tooling: add a port in shared/core/ports and an adapter.',
  },
  {
    group: ['twilio', 'twilio/*'],
    message: 'The core imports no Twilio code: providers live in shared/adapters.',
  },
  {
    group: [
      'aws-lambda',
      'ws',
      'dynalite',
      'aws-cdk',
      'aws-cdk-lib',
      'aws-cdk-lib/*',
      'constructs',
      'cdk-nag',
    ],
    message: 'The core knows no transport or infrastructure package.',
  },
  {
    group: ['**/adapters', '**/adapters/**'],
    message: 'The core depends on ports only, never on shared/adapters.',
  },
  {
    group: ['**/runtime', '**/runtime/**'],
    message: 'The core never imports the runtime (it imports the core, not the reverse).',
  },
  {
    group: ['**/infra', '**/infra/**', '**/functions', '**/functions/**'],
    message: 'The core never imports infra or handlers.',
  },
];
const BROWSER_FORBIDDEN = [
  {
    group: ['node:*', ...builtinModules],
    message: 'Browser-safe rules (shared/core/rules.ts) import nothing Node-only.',
  },
];
// Core log calls name their event from shared/core/log-events.ts (LogEvent.X), never a string.
const LOG_EVENT_RULE = {
  selector:
    "CallExpression[callee.object.property.name='log'][callee.property.name=/^(debug|info|warn|error)$/][arguments.0.type=/^(Literal|TemplateLiteral)$/]",
  message: 'Log events come from LogEvent (shared/core/log-events.ts), not a string literal.',
};
// Every outbound SMS passes the opt-out gate (shared/core/im-sms/outbound.ts): the core reaches the SMS provider
// only through sendSmsWithRetry (im-sms/send.ts), which takes a phone the gate cleared.
const SMS_GATE_RULE = {
  selector: "CallExpression[callee.object.property.name='sms'][callee.property.name='send']",
  message:
    'Send SMS with sendSmsWithRetry (im-sms/send.ts) on a phone cleared by clearForSms (im-sms/outbound.ts).',
};
// The import rules read static imports only, so a layer they guard may not load code at run time either.
const DYNAMIC_IMPORT_RULES = [
  {
    selector: 'ImportExpression',
    message: "No dynamic import() here: this layer's imports are checked statically.",
  },
  {
    selector: "CallExpression[callee.name='require']",
    message: "No require() here: this layer's imports are checked statically.",
  },
];
const BROWSER_SAFE = [
  'shared/core/rules.ts',
  'shared/core/errors.ts',
  'shared/core/conversion/**/*.ts',
  'shared/core/provisioning/names.ts',
  'shared/core/provisioning/e164.ts',
  'shared/runtime/frames.ts',
];
// The reference client (shared/client) runs in browsers (/console/client.js) and Node alike: it takes its
// WebSocket from the caller and reads the server's frame schemas, nothing else of the server.
const CLIENT_FORBIDDEN = [
  ...CORE_FORBIDDEN.filter((rule) => !rule.group.includes('**/runtime')),
  ...BROWSER_FORBIDDEN,
  {
    group: ['**/runtime/*', '!**/runtime/frames'],
    message: 'The client reads only the frame schemas of the runtime (shared/runtime/frames.ts).',
  },
];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'coverage/', 'test-results/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: CORE_FORBIDDEN }],
      'no-restricted-syntax': ['error', LOG_EVENT_RULE, SMS_GATE_RULE, ...DYNAMIC_IMPORT_RULES],
    },
  },
  {
    // The one caller of the SMS provider, which takes only phones cleared by the opt-out gate.
    files: ['shared/core/im-sms/send.ts'],
    rules: { 'no-restricted-syntax': ['error', LOG_EVENT_RULE, ...DYNAMIC_IMPORT_RULES] },
  },
  {
    files: BROWSER_SAFE,
    rules: { 'no-restricted-imports': ['error', { patterns: [...CORE_FORBIDDEN, ...BROWSER_FORBIDDEN] }] },
  },
  {
    files: ['shared/client/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: CLIENT_FORBIDDEN }] },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...DYNAMIC_IMPORT_RULES],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/shared/adapters', '**/shared/adapters/**'],
              message: 'Handlers get adapters from the runtime (shared/runtime/deps.ts), never directly.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      sourceType: 'module',
      globals: { process: 'readonly', setTimeout: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['infra/local/console/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
        WebSocket: 'readonly',
        location: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        crypto: 'readonly',
        console: 'readonly',
        URLSearchParams: 'readonly',
        navigator: 'readonly',
        HTMLElement: 'readonly',
        Event: 'readonly',
        KeyboardEvent: 'readonly',
        requestAnimationFrame: 'readonly',
        structuredClone: 'readonly',
        Intl: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { jest: jestPlugin },
    rules: {
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'fc.assert'] }],
    },
  },
);
