import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The built entry point, as `npm start` and the `linkwire` binary run it (`npm test` builds first). */
function runBuilt(env: Record<string, string>) {
  const main = join(ROOT, 'dist/main.js');
  if (!existsSync(main)) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)');
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-lease-'));
  try {
    return spawnSync(process.execPath, [main, 'serve'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LINKWIRE_DATABASE_URL: `sqlite:${join(dir, 'lw.db')}`, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LINKWIRE_DELIVERY_LEASE_MS must outlast the longest webhook timeout', () => {
  it('`linkwire serve` refuses a lease shorter than 30 s + margin, saying why, and exits 1', () => {
    const result = runBuilt({ LINKWIRE_DELIVERY_LEASE_MS: '20000' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('configuration error: LINKWIRE_DELIVERY_LEASE_MS is 20000 but must be at least 40000');
    expect(result.stderr).toContain('never attempted');
    expect(result.stderr).not.toMatch(/\n\s+at /); // one clear message, no stack trace
  });

  it('accepts the default and a lease that covers a lowered LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS', () => {
    expect(loadConfig({}).deliveryLeaseMs).toBe(60_000);
    expect(loadConfig({ LINKWIRE_DELIVERY_LEASE_MS: '40000' }).deliveryLeaseMs).toBe(40_000);
    expect(() => loadConfig({ LINKWIRE_DELIVERY_LEASE_MS: '39999' })).toThrow(/at least 40000/);
    expect(loadConfig({ LINKWIRE_DELIVERY_LEASE_MS: '3000', LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS: '1000' }).webhookMaxTimeoutMs).toBe(1000);
    expect(() => loadConfig({ LINKWIRE_DELIVERY_LEASE_MS: '3000', LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS: '5000' })).toThrow(/at least 10000/);
  });
});

describe('LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS caps what a webhook may ask for', () => {
  it('refuses a larger timeout_ms with a clear 400 and gives new webhooks a default within the cap', async () => {
    const { startTestApp } = await import('../helpers/test-app.js');
    const t = await startTestApp('sqlite', { config: { webhookMaxTimeoutMs: 1000, deliveryLeaseMs: 3000 } });
    try {
      await t.signup();
      const base = { name: 'h', url: 'https://hooks.example.com/x', events: ['link.created'], active: false };
      const tooLong = await t.api('POST', '/api/webhooks', { ...base, timeout_ms: 5000 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.json().error.message).toBe('timeout_ms must be at most 1000 on this instance (LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS)');
      const created = await t.api('POST', '/api/webhooks', base);
      expect(created.status, created.text).toBe(201);
      expect(created.json().timeout_ms).toBe(1000);
    } finally {
      await t.close();
    }
  });
});
