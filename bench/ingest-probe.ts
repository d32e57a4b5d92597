/**
 * Journal ingest rate: N click records already in a journal directory, then an app starts on it;
 * the time until they are all in the database. `node --import tsx bench/ingest-probe.ts [sqlite|postgres] [N]`
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { encodeFrame } from '../src/clicks/journal/frame.js';
import { encodeVisit } from '../src/clicks/journal/visit-codec.js';
import type { Link } from '../src/links/link-schema.js';
import { startTestApp } from '../test/helpers/test-app.js';

const dialect = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const count = Number(process.argv[3] ?? 100_000);
const t = await startTestApp(dialect);
await t.signup();
const link = (await t.api('POST', '/api/links', { url: 'https://example.com/ingest' })).json<Link>();
const dir = mkdtempSync(join(tmpdir(), 'linkwire-ingest-probe-'));
const frames: Buffer[] = [];
for (let i = 0; i < count; i++) {
  const click = {
    id: `clk_probe${String(i).padStart(10, '0')}`, timestamp: new Date().toISOString(), country: 'DE', city: 'Berlin', is_eu_country: true,
    device: 'desktop', os: 'Linux', browser: 'Firefox', referrer: null, referrer_domain: null, bot: false, bot_name: null,
    destination: link.url, params: { n: String(i) }, qr: false, user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', ip: null,
  };
  frames.push(encodeFrame(encodeVisit({ kind: 'click', link, click }, Date.now())));
}
writeFileSync(join(dir, '000000000001.seg'), Buffer.concat(frames));
const storage = t.database.open();
const app = await createApp({ config: { ...t.config, journalDir: dir }, storage, logLevel: 'silent' });
const started = performance.now();
await app.startJobs();
await app.clicksSettled();
const ms = performance.now() - started;
const row = await storage.db.selectFrom('links').select('clicks').where('id', '=', link.id).executeTakeFirstOrThrow();
process.stdout.write(`${dialect}: ingested ${row.clicks} clicks (+ ${row.clicks} link.clicked events) in ${ms.toFixed(0)} ms = ${Math.round((count / ms) * 1000)} clicks/s\n`);
await app.close();
await storage.close();
await t.close();
rmSync(dir, { recursive: true, force: true });
