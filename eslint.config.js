import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { layerZones } from './scripts/layers.mjs';

const DIALECT_BRANCH = {
  selector: "BinaryExpression[operator=/^[!=]==$/][right.value=/^(sqlite|postgres)$/], BinaryExpression[operator=/^[!=]==$/][left.value=/^(sqlite|postgres)$/]",
  message: 'Branch on the SQL dialect inside src/storage/ only: give the storage port a method instead.',
};
const DELIVERY_TABLE_STATEMENT = {
  selector:
    "CallExpression[callee.property.name=/^(selectFrom|updateTable|insertInto|deleteFrom|insertRows|innerJoin|leftJoin)$/] > Literal.arguments[value=/^(deliveries|delivery_attempts)( as \\w+)?$/]",
  message: 'Statements on deliveries and delivery_attempts live in src/delivery/sql/ (one a file), reached through src/delivery/delivery-store.ts.',
};
const DELIVERY_SQL_IMPORT = {
  group: ['**/delivery/sql/*', './sql/*'],
  message: 'Import the delivery statements through src/delivery/delivery-store.ts, their one door.',
};

export default tseslint.config(
  { ignores: ['dist/', 'sdk/dist/', 'node_modules/', 'coverage/', 'bench/results/', 'bench/.run-*/', 'test/sdk/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'support/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Preact ignores what an event handler returns; the dashboard's async handlers catch their own errors.
    files: ['dashboard/**/*.tsx'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }] },
  },
  {
    // The import graph: no cycles, and arrows point one way (surfaces → domain → storage).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/storage', from: './src', except: ['./storage'], message: 'storage imports no domain module' },
            { target: './src/jobs', from: './src', except: ['./jobs'], message: 'jobs/ is shared infrastructure' },
            { target: './src/outbound', from: './src', except: ['./outbound', './net'], message: 'outbound/ depends only on net/' },
            { target: './src/sdk', from: './src', except: ['./sdk'], message: 'the SDK (linkwire/sdk) imports nothing from the server' },
            // Layer by layer (scripts/layers.mjs): foundation → infrastructure → low events/ → domain → assemblers → surfaces → process.
            ...layerZones(import.meta.dirname),
          ],
        },
      ],
    },
  },
  {
    // SQL dialects are storage's business: outside src/storage/, code asks the storage port
    // (`storage.sql`: dialect/sql-dialect.ts), not `dialect ===`. And every statement on the
    // deliveries and delivery_attempts tables lives under src/delivery/sql/, reached through
    // src/delivery/delivery-store.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/storage/**'],
    rules: {
      'no-restricted-syntax': ['error', DIALECT_BRANCH, DELIVERY_TABLE_STATEMENT],
      'no-restricted-imports': ['error', { patterns: [DELIVERY_SQL_IMPORT] }],
    },
  },
  {
    // The statements themselves, and their one door.
    files: ['src/delivery/sql/**/*.ts', 'src/delivery/delivery-store.ts'],
    rules: { 'no-restricted-syntax': ['error', DIALECT_BRANCH], 'no-restricted-imports': 'off' },
  },
  { files: ['*.js', '*.mjs', 'scripts/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
