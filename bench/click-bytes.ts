/**
 * Database bytes per click: `node --import tsx bench/click-bytes.ts [--clicks 20000] [--dialect sqlite|postgres|both] [--link typical|16kb]`.
 *
 * Starts Linkwire in-process on a fresh database (a SQLite file / a fresh PostgreSQL database on the
 * shared test server), creates one typical link, sends N real redirects over HTTP from 127.0.0.1
 * with browser-like headers, waits until every click is in the database, and prints how many bytes
 * the database grew per click, split by table (SQLite: dbstat; PostgreSQL: pg_total_relation_size).
 * `--link 16kb` makes it the worst case instead: a link at the 16 KB limit of its stored fields
 * (LINK_LIMITS.totalBytes: long URLs, texts and country rules to URLs of their own), which an event
 * that stores the whole link repeats per click.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createApp } from '../src/app.js';
import { configWith } from '../src/config.js';
import { createTestDatabase } from '../test/helpers/databases.js';

const { values } = parseArgs({ options: { clicks: { type: 'string', default: '20000' }, dialect: { type: 'string', default: 'both' }, link: { type: 'string', default: 'typical' } } });
if (values.link !== 'typical' && values.link !== '16kb') throw new Error('--link must be typical or 16kb');
/**
 * `length` characters that do not compress (a fixed pseudo-random sequence): PostgreSQL compresses
 * a long value before storing it, and a run of one letter would measure its compressor, not the link.
 */
function filler(length: number, seed: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let x = seed * 2654435761 + 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += alphabet[x % alphabet.length];
  }
  return out;
}
/** A URL of `length` characters (a destination may have 2 048). */
const longUrl = (base: string, length: number) => {
  const head = `${base}?ref=newsletter&pad=`;
  return head + filler(length - head.length, length + base.length);
};
/** The worst-case link with its last rule's URL `last` characters long (shortened until the link fits its 16 KB). */
const worstLink = (last: number) => ({
  url: longUrl('https://www.example.com/products/spring-sale', 2000),
  expired_url: longUrl('https://www.example.com/sale-over', 2000),
  title: filler(500, 1),
  og_title: filler(300, 2),
  og_description: filler(1000, 3),
  // Countries no click from 127.0.0.1 comes from: every click still goes to `url`.
  rules: ['AQ', 'BV', 'HM', 'TF', 'UM'].map((country, i) => ({ what: 'country', matches: country, url: longUrl(`https://www.example.com/${country}`, i === 4 ? last : 2000) })),
});
const typicalLink = { url: 'https://www.example.com/products/spring-sale?ref=newsletter' };
const CLICKS = Number(values.clicks);
const dialects = values.dialect === 'both' ? (['sqlite', 'postgres'] as const) : ([values.dialect] as ('sqlite' | 'postgres')[]);
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

for (const dialect of dialects) {
  const database = await createTestDatabase(dialect);
  const storage = database.open();
  await storage.migrate();
  const app = await createApp({ config: configWith({ logLevel: 'silent', dnsServer: { host: '127.0.0.1', port: 9 } }), storage, logLevel: 'silent' });
  const url = await app.listen(0, '127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(new URL(path, url), { method, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  const signup = JSON.parse((await call('POST', '/api/auth/signup', { email: 'bytes@example.com', password: 'a long password' })).text) as { api_key: string };
  const auth = { authorization: `Bearer ${signup.api_key}` };
  const create = (fields: Record<string, unknown>) =>
    call('POST', '/api/links', { ...fields, slug: 'sale', tags: ['marketing', 'spring'], utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' }, auth);
  let link = await create(values.link === '16kb' ? worstLink(2000) : typicalLink);
  // The worst case: as close under the 16 KB limit as the last rule's URL allows.
  for (let last = 2000; values.link === '16kb' && link.status === 400 && last > 256; ) link = await create(worstLink((last -= 128)));
  if (link.status !== 201) throw new Error(link.text);

  const size = () => databaseSize(dialect, storage);
  const before = await size();
  const beforeTables = await tableSizes(dialect, storage);
  let sent = 0;
  const worker = async () => {
    while (sent < CLICKS) {
      sent++;
      const res = await call('GET', `/sale?utm_content=c${sent % 7}`, undefined, { 'user-agent': UA, referer: 'https://news.example.org/article/42', 'accept-language': 'en-US' });
      if (res.status !== 302) throw new Error(`redirect answered ${res.status}`);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 32 }, worker));
  const elapsed = Date.now() - started;
  for (;;) {
    const row = await storage.db.selectFrom('clicks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(row.n) >= CLICKS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (dialect === 'postgres') await sql`vacuum analyze`.execute(storage.db);
  else await sql`pragma wal_checkpoint(truncate)`.execute(storage.db);
  const after = await size();
  const afterTables = await tableSizes(dialect, storage);
  console.log(`\n${dialect}, ${values.link} link (${Buffer.byteLength(link.text)} B as the API answers it): ${CLICKS} clicks, database ${fmt(before)} → ${fmt(after)}: ${((after - before) / CLICKS).toFixed(0)} bytes per click (${Math.round(CLICKS / (elapsed / 1000))} redirects/s while measuring; noisy on a shared machine)`);
  const rows = [...afterTables].map(([name, bytes]) => [name, (bytes - (beforeTables.get(name) ?? 0)) / CLICKS] as const).filter(([, b]) => b >= 1).sort((a, b) => b[1] - a[1]);
  for (const [name, perClick] of rows) console.log(`  ${name.padEnd(36)} ${perClick.toFixed(0).padStart(6)} B/click`);
  agent.destroy();
  await app.close();
  await storage.close();
  await database.drop();
}

async function databaseSize(dialect: 'sqlite' | 'postgres', storage: ReturnType<Awaited<ReturnType<typeof createTestDatabase>>['open']>): Promise<number> {
  if (dialect === 'postgres') {
    const r = await sql<{ n: number }>`select pg_database_size(current_database()) as n`.execute(storage.db);
    return Number(r.rows[0]!.n);
  }
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(storage.db);
  const pageSize = await sql<{ page_size: number }>`pragma page_size`.execute(storage.db);
  return Number(pages.rows[0]!.page_count) * Number(pageSize.rows[0]!.page_size);
}

async function tableSizes(dialect: 'sqlite' | 'postgres', storage: ReturnType<Awaited<ReturnType<typeof createTestDatabase>>['open']>): Promise<Map<string, number>> {
  if (dialect === 'postgres') {
    const r = await sql<{ name: string; n: number }>`select relname as name, pg_total_relation_size(oid) as n from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace`.execute(storage.db);
    return new Map(r.rows.map((x) => [x.name, Number(x.n)]));
  }
  const r = await sql<{ name: string; n: number }>`select name, sum(pgsize) as n from dbstat group by name`.execute(storage.db);
  return new Map(r.rows.map((x) => [x.name, Number(x.n)]));
}

function fmt(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
