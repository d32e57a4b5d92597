import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Fails the run if a test wrote under ./data or left the tree changed (test/global/tree-guard.ts).
    globalSetup: ['test/global/tree-guard.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here and in CI: more workers only add contention for the shared PostgreSQL.
    maxWorkers: 2,
    minWorkers: 1,
    env: { NODE_EXTRA_CA_CERTS: 'test/fixtures/tls/ca.pem' },
  },
});
