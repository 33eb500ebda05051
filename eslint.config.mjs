// ESLint 9 flat config. Beyond typescript-eslint's recommended rules it enforces the architecture:
// Nx project tags say what a library is (type:*) and whose it is (scope:*), and
// @nx/enforce-module-boundaries rejects imports that cross those lines.
import { createProjectGraphAsync } from '@nx/devkit';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SERVICE_SCOPES = ['catalog', 'inventory', 'orders', 'supplier-receipts', 'fulfillment'];

// A domain library is pure: no framework, transport, database or logging packages.
const DOMAIN_BANNED_PACKAGES = ['@nestjs/*', 'typeorm', 'kafkajs', 'pg', 'pg-*', 'fastify', 'prom-client', 'pino*'];

const typeConstraints = [
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:util'], bannedExternalImports: DOMAIN_BANNED_PACKAGES },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:util'] },
  {
    sourceTag: 'type:adapters',
    onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infra', 'type:util'],
  },
  { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
  // Workspace tooling (stack scripts, the operator CLI, benchmarks) may reach any library.
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
];

// A service's libraries may use their own scope and shared code, never another service's.
const scopeConstraints = [
  ...SERVICE_SCOPES.map((scope) => ({
    sourceTag: `scope:${scope}`,
    onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
  })),
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
];

// The boundary rule only reads Nx's cached project graph and silently skips itself when there is
// none, so the graph is computed (in-process: nx.json turns the daemon off) before any file is
// linted. That keeps a bare `eslint .`, CI and editors equally strict.
await createProjectGraphAsync({ exitOnError: true });

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '**/.nx/**', 'tmp/**', '.restock/**'] },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          checkDynamicDependenciesExceptions: [],
          // The test harness uses messaging and the event store, whose integration specs use the
          // harness: a cycle through test files only. The block below keeps it there.
          ignoredCircularDependencies: [['testing', '*']],
          depConstraints: [...typeConstraints, ...scopeConstraints],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/testing/**', '**/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@restock/testing', message: 'The test harness is for *.spec.ts files only.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
