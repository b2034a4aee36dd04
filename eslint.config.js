// Flat ESLint config: typescript-eslint's recommended rules, plus the purity fence around machines/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const machinePurity = {
  files: ['machines/**/*.ts'],
  ignores: ['machines/**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['node:*'], message: 'machines/ is pure: effects come from actors/.' },
          {
            group: ['fs', 'net', 'path', 'crypto', 'os', 'child_process', 'worker_threads'],
            message: 'machines/ is pure: effects come from actors/.'
          },
          {
            group: ['lmdb', 'sodium-native', 'nats', 'fastify', 'pino', 'msgpackr'],
            message: 'machines/ is pure: no I/O libraries.'
          },
          {
            group: ['**/actors/**', '**/server/**', '**/wasm/**'],
            message: 'machines/ must not import from actors/, server/ or wasm/.'
          }
        ]
      }
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'Time comes from the XState clock.' },
      { object: 'Math', property: 'random', message: 'Randomness is provided by actors/.' },
      { object: 'performance', property: 'now', message: 'Time comes from the XState clock.' }
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "NewExpression[callee.name='Date']",
        message: 'Time comes from the XState clock.'
      },
      {
        selector: "Identifier[name='setTimeout']",
        message: 'Delays are XState `after` transitions.'
      },
      {
        selector: "Identifier[name='setInterval']",
        message: 'Delays are XState `after` transitions.'
      },
      { selector: "Identifier[name='process']", message: 'machines/ is pure.' }
    ]
  }
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'wasm/target/**',
      'wasm/pkg/*.js',
      'inspector-ui/dist/**',
      'test-artifacts/**',
      '**/*.mjs',
      '**/*.cjs'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/consistent-type-imports': 'error'
    }
  },
  machinePurity
);
