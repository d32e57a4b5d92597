/**
 * The analytics query at scale (bench scenario 8): a workspace with N clicks over 90 days, seeded
 * straight into the clicks table and the rollups with the ingester's own rollup code
 * (src/storage/click-rollups.ts), then `GET /api/analytics` timed over HTTP on the real route.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { RollupBatch, writeRollups } from '../../src/storage/click-rollups.js';
import type { ClickTable } from '../../src/storage/schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { http } from '../../test/helpers/http.js';
import { startTestApp } from '../../test/helpers/test-app.js';

const DAY_MS = 86_400_000;
const LINKS = 200;
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'CA', 'ES', 'IT', 'NL', 'SE', 'PL', 'AU', 'MX', 'KR', 'CH', 'AT', 'BE', 'DK', 'NO', 'FI', 'IE', 'PT', 'CZ', 'RO', 'HU', 'GR', 'TR', 'ZA'];
const DEVICES = ['desktop', 'mobile', 'tablet'];
const BROWSERS = ['Chrome', 'Safari', 'Firefox', 'Edge', 'Samsung Internet', 'Opera'];
const OS = ['Windows', 'iOS', 'Android', 'Mac OS', 'Linux', 'Chrome OS'];

export interface AnalyticsBenchResult {
  clicks: number;
  links: number;
  seedMs: number;
  rollupRows: { hours: number; days: number };
  /** Bytes of the rollup tables with their indexes, and of the clicks table with its indexes. */
  rollupBytes: number | null;
  clickBytes: number | null;
  queries: { name: string; query: string; ms: number[]; median: number; total: number }[];
}

/** A deterministic generator: every run seeds the same clicks. */
function generator(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

export async function measureAnalytics(dialect: 'sqlite' | 'postgres', count: number, log: (line: string) => void): Promise<AnalyticsBenchResult> {
  const t = await startTestApp(dialect);
  try {
    const { key, workspaceId } = await t.signup();
    const links: { id: string; url: string }[] = [];
    for (let start = 0; start < LINKS; start += 100) {
      const body = {
        links: Array.from({ length: 100 }, (_, i) => {
          const n = start + i;
          return { url: `https://shop.example/p/${n}`, tags: [`campaign-${n % 20}`], utm_source: ['newsletter', 'twitter', 'google', 'facebook', 'partner'][n % 5], utm_medium: n % 2 ? 'email' : 'social', utm_campaign: `spring-${n % 20}` };
        }),
      };
      const res = await t.api('POST', '/api/links/bulk', body, key);
      if (res.status !== 201) throw new Error(`bulk create: ${res.status} ${res.text}`);
      links.push(...(res.json() as { data: { id: string; url: string }[] }).data);
    }
    const destinations = links.map((l) => {
      const n = Number(/\/p\/(\d+)/.exec(l.url)![1]);
      return `${l.url}?utm_source=${['newsletter', 'twitter', 'google', 'facebook', 'partner'][n % 5]}&utm_medium=${n % 2 ? 'email' : 'social'}&utm_campaign=spring-${n % 20}`;
    });
    const r = generator(42);
    const now = Date.now();
    const first = Math.floor((now - 90 * DAY_MS) / DAY_MS) * DAY_MS;
    const perDay = Math.ceil(count / 90);
    const seedStarted = performance.now();
    let seeded = 0;
    for (let day = 0; day < 90 && seeded < count; day++) {
      const rows: ClickTable[] = [];
      const n = Math.min(perDay, count - seeded);
      for (let i = 0; i < n; i++) {
        // Popular links get most clicks (r² skews toward the first ones), as real traffic does.
        const link = Math.floor(r() ** 2 * LINKS);
        const country = COUNTRIES[Math.floor(r() ** 2 * COUNTRIES.length)]!;
        const bot = r() < 0.1 ? 1 : 0;
        const referrerN = Math.floor(r() ** 3 * 60);
        rows.push({
          id: `clk_seed${String(seeded + i).padStart(18, '0')}`,
          workspace_id: workspaceId,
          link_id: links[link]!.id,
          timestamp: Math.min(now - 1, first + day * DAY_MS + Math.floor(((i + 0.5) / n) * DAY_MS)),
          country,
          city: `${country}-city-${Math.floor(r() ** 2 * 20)}`,
          is_eu_country: 0,
          device: DEVICES[Math.floor(r() ** 2 * DEVICES.length)]!,
          os: OS[Math.floor(r() * OS.length)]!,
          browser: BROWSERS[Math.floor(r() ** 2 * BROWSERS.length)]!,
          referrer: referrerN === 0 ? null : `https://ref${referrerN}.example/page`,
          referrer_domain: referrerN === 0 ? null : `ref${referrerN}.example`,
          bot,
          bot_name: bot ? 'curl' : null,
          qr: 0,
          destination: destinations[link]!,
          params: '{}',
          user_agent: 'Mozilla/5.0',
          ip: null,
        });
      }
      // In slices, as the ingester writes (one transaction per batch).
      for (let s = 0; s < rows.length; s += 5_000) {
        const slice = rows.slice(s, s + 5_000);
        await t.storage.transaction(async (tx) => {
          await tx.insertRows('clicks', slice, { shared: ['workspace_id'] });
          const batch = new RollupBatch();
          for (const row of slice) batch.add(row);
          await writeRollups(tx.db, tx.dialect, batch);
        });
      }
      seeded += n;
      if (day % 15 === 14) log(`analytics: seeded ${seeded} clicks`);
    }
    const seedMs = performance.now() - seedStarted;
    // Fresh statistics, as a database that grew over 90 days has (autovacuum; SQLite's optimize).
    await sql`ANALYZE`.execute(t.storage.db);

    const hoursRows = Number((await t.storage.db.selectFrom('analytics_hours').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const daysRows = Number((await t.storage.db.selectFrom('analytics_days').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const sizes = await tableBytes(t.storage, dialect);

    const iso = (ms: number) => new Date(ms).toISOString();
    const queries: [string, string][] = [
      ['90 days, whole workspace', `from=${iso(now - 90 * DAY_MS)}&to=${iso(now)}`],
      ['90 days, with bots', `from=${iso(now - 90 * DAY_MS)}&to=${iso(now)}&bots=true`],
      ['90 days, one tag (10 links)', `from=${iso(now - 90 * DAY_MS)}&to=${iso(now)}&tag=campaign-0`],
      ['90 days, the busiest link', `from=${iso(now - 90 * DAY_MS)}&to=${iso(now)}&link_id=${links[0]!.id}`],
      ['30 days (default range)', ''],
      ['7 days hourly', `from=${iso(now - 7 * DAY_MS)}&interval=hour`],
    ];
    const results: AnalyticsBenchResult['queries'] = [];
    for (const [name, query] of queries) {
      const ms: number[] = [];
      let total = 0;
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        const res = await http(t.url, 'GET', `/api/analytics?${query}`, { token: key });
        const took = performance.now() - started;
        if (res.status !== 200) throw new Error(`${name}: ${res.status} ${res.text}`);
        total = (res.json() as { total: number }).total;
        if (i > 0) ms.push(took); // the first run warms caches
      }
      ms.sort((a, b) => a - b);
      results.push({ name, query, ms, median: ms[Math.floor(ms.length / 2)]!, total });
    }
    return { clicks: seeded, links: LINKS, seedMs, rollupRows: { hours: hoursRows, days: daysRows }, rollupBytes: sizes?.rollups ?? null, clickBytes: sizes?.clicks ?? null, queries: results };
  } finally {
    await t.close();
    await t.database.drop().catch(() => undefined);
  }
}

async function tableBytes(storage: Storage, dialect: 'sqlite' | 'postgres'): Promise<{ rollups: number; clicks: number } | null> {
  try {
    if (dialect === 'postgres') {
      const { rows } = await sql<{ rollups: string; clicks: string }>`
        SELECT pg_total_relation_size('analytics_hours') + pg_total_relation_size('analytics_days') AS rollups, pg_total_relation_size('clicks') AS clicks`.execute(storage.db);
      return { rollups: Number(rows[0]!.rollups), clicks: Number(rows[0]!.clicks) };
    }
    const { rows } = await sql<{ name: string; bytes: number }>`SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name`.execute(storage.db);
    const of = (names: RegExp) => rows.filter((r) => names.test(r.name)).reduce((n, r) => n + Number(r.bytes), 0);
    return { rollups: of(/analytics_(hours|days)/), clicks: of(/^(clicks$|clicks_|sqlite_autoindex_clicks)/) };
  } catch {
    return null; // dbstat not compiled in
  }
}
