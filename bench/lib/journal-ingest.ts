/**
 * Pure journal ingest, in this process: N click records already written to a journal directory
 * (as the redirect writes them: a link snapshot per segment, then compact visit records), then
 * the ingester alone — no HTTP server, no worker, no delivery — moves them into a fresh database.
 * Verified afterwards: every click counted once, one `link.clicked` per click.
 *
 * The baseline (SQLite): the same click, event and fan-out rows written with better-sqlite3
 * directly — cached multi-row INSERTs, the same batch size, one counter UPDATE per link per batch,
 * and the same analytics rollup rows (analytics_hours, analytics_days) upserted per batch as the
 * ingester does, computed beforehand with its RollupBatch and not timed — into another fresh
 * database with the same schema: what the rows cost to write at all. (Before the rollups were
 * added here, the baseline wrote no rollups and the ratio compared unequal work.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { Click } from '../../src/clicks/click-schema.js';
import type { Visit } from '../../src/clicks/visit.js';
import { ClickJournal } from '../../src/clicks/journal/click-journal.js';
import { segmentName } from '../../src/clicks/journal/journal-source.js';
import { JournalIngester } from '../../src/clicks/journal/journal-ingester.js';
import { encodeSegment } from '../../src/clicks/journal/visit-codec.js';
import { systemClock } from '../../src/runtime/clock.js';
import { RollupBatch } from '../../src/storage/click-rollups.js';
import { Outbox } from '../../src/events/outbox.js';
import { createIdSource } from '../../src/runtime/ids.js';
import type { Link } from '../../src/links/link-schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { sampleClick } from '../../test/helpers/sample-click.js';
import { startTestApp } from '../../test/helpers/test-app.js';

export interface IngestResult {
  dialect: 'sqlite' | 'postgres';
  clicks: number;
  links: number;
  ms: number;
  perSecond: number;
  journalBytes: number;
  bytesPerClick: number;
  /** The same visits in the format before link snapshots (the full link in every record). */
  inlineBytesPerClick: number;
  /** CPU time of this process during the ingest (user + system): less noisy than `ms` on a shared machine. */
  cpuMs: number;
  /**
   * PostgreSQL: CPU time of the server processes serving this database during the ingest (from
   * /proc; null elsewhere): what the statements cost the server, whatever else the machine runs.
   */
  serverCpuMs: number | null;
  counted: number;
  events: number;
  /** Raw better-sqlite3 baseline (SQLite only). */
  baseline: { ms: number; perSecond: number; cpuMs: number } | null;
}

/** Visits per segment file (a redirect's 64 MiB segments hold more; several segments exercise the switch). */
const PER_SEGMENT = 50_000;
const BATCH = 5_000;

function clickOf(link: Link, i: number): Click {
  return sampleClick(link, i, { id: `clk_ingest${String(i).padStart(16, '0')}`, timestamp: new Date(Date.now() - 60_000 + (i % 60_000)).toISOString() });
}

export interface IngestOptions {
  links?: number;
  baseline?: boolean;
  /** Brackets the timed ingest (a CPU profile of just that part, say). */
  around?: <T>(fn: () => Promise<T>) => Promise<T>;
}

export async function measureIngest(dialect: 'sqlite' | 'postgres', count: number, options: IngestOptions = {}): Promise<IngestResult> {
  const linkCount = options.links ?? 1;
  const withBaseline = options.baseline ?? dialect === 'sqlite';
  const around = options.around ?? (<T>(fn: () => Promise<T>) => fn());
  const t = await startTestApp(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'linkwire-ingest-'));
  try {
    const { key } = await t.signup();
    const links: Link[] = [];
    for (let i = 0; i < linkCount; i++) links.push((await t.api('POST', '/api/links', { url: `https://example.com/ingest/${i}` }, key)).json<Link>());
    // Only the ingester under test touches the database from here on.
    await t.app.close();

    let journalBytes = 0;
    let inlineBytes = 0;
    for (let start = 0, seq = 1; start < count; start += PER_SEGMENT, seq++) {
      const visits: { visit: Visit; at: number }[] = [];
      for (let i = start; i < Math.min(count, start + PER_SEGMENT); i++) {
        const link = links[i % links.length]!;
        const visit: Visit = { kind: 'click', link, click: clickOf(link, i) };
        visits.push({ visit, at: Date.now() });
        inlineBytes += 8 + Buffer.byteLength(`{"k":"c","at":${Date.now()},"l":${JSON.stringify(link)},"c":${JSON.stringify(visit.click)}}`);
      }
      const segment = encodeSegment(visits);
      journalBytes += segment.length;
      writeFileSync(join(dir, segmentName(seq)), segment);
    }

    const storage: Storage = t.storage;
    const journal = ClickJournal.open(dir, { segmentBytes: 64 * 1024 * 1024, maxBytes: 8 * 1024 * 1024 * 1024, fsync: false, onWarning: () => undefined });
    const outbox = new Outbox(createIdSource(), systemClock);
    const log = { warn: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`), error: (o: object, m: string) => process.stderr.write(`${m} ${String((o as { err?: unknown }).err)}\n`) };
    const ingester = new JournalIngester(journal, { storage, outbox }, { log, batchRecords: BATCH });
    const serverBefore = dialect === 'postgres' ? await serverCpu(storage) : null;
    const cpuBefore = process.cpuUsage();
    const ms = await around(async () => {
      const started = performance.now();
      await ingester.start();
      await ingester.settled();
      return performance.now() - started;
    });
    const cpu = process.cpuUsage(cpuBefore);
    const serverAfter = serverBefore ? await serverCpu(storage) : null;
    let serverCpuMs: number | null = null;
    if (serverBefore && serverAfter) {
      serverCpuMs = 0;
      for (const [pid, ms] of serverAfter) serverCpuMs += ms - (serverBefore.get(pid) ?? 0);
    }
    await ingester.stop();
    await journal.close();

    const counted = (await storage.db.selectFrom('links').select((eb) => eb.fn.sum<number>('clicks').as('n')).executeTakeFirstOrThrow()).n;
    const events = (await storage.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'link.clicked').executeTakeFirstOrThrow()).n;
    const baseline = withBaseline && dialect === 'sqlite' ? await rawSqliteBaseline(t.storage) : null;
    return {
      dialect,
      clicks: count,
      links: linkCount,
      ms,
      perSecond: (count / ms) * 1000,
      journalBytes,
      bytesPerClick: journalBytes / count,
      inlineBytesPerClick: inlineBytes / count,
      cpuMs: (cpu.user + cpu.system) / 1000,
      serverCpuMs,
      counted: Number(counted),
      events: Number(events),
      baseline,
    };
  } finally {
    await t.storage.close().catch(() => undefined);
    await t.database.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    rmSync(t.config.journalDir!, { recursive: true, force: true });
  }
}

/** CPU ms (user + system) so far of each server process connected to this database, by pid (Linux /proc, server on this machine). */
async function serverCpu(storage: Storage): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(storage.db);
  const tick = 1000 / 100; // USER_HZ
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * tick);
    } catch {
      // Gone, or not readable (a server elsewhere): not counted.
    }
  }
  return cpu;
}

/**
 * The rows the ingest wrote (read back from its database) written again with better-sqlite3 alone
 * into a fresh database of the same schema: the floor under any ingester.
 */
async function rawSqliteBaseline(source: Storage): Promise<{ ms: number; perSecond: number; cpuMs: number }> {
  const clicks = await source.db.selectFrom('clicks').selectAll().orderBy('id').execute();
  const events = await source.db.selectFrom('events').select(['id', 'workspace_id', 'type', 'link_id', 'timestamp', 'data']).orderBy('id').execute();
  const links = await source.db.selectFrom('links').selectAll().execute();
  const workspaces = await source.db.selectFrom('workspaces').selectAll().execute();
  const target = await startTestApp('sqlite');
  try {
    await target.app.close();
    // The schema (migrations), then nothing but better-sqlite3 on the file.
    const file = target.database.url.slice('sqlite:'.length);
    await target.storage.close();
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    insertAll(raw, 'workspaces', workspaces);
    insertAll(raw, 'links', links.map((l) => ({ ...l, clicks: 0 })));
    const statements = new Map<string, Database.Statement>();
    const insert = (table: string, rows: Record<string, unknown>[]) => {
      const columns = Object.keys(rows[0]!);
      const per = Math.min(500, Math.floor(30_000 / columns.length));
      for (let s = 0; s < rows.length; s += per) {
        const chunk = rows.slice(s, s + per);
        const key = `${table}|${chunk.length}`;
        let st = statements.get(key);
        if (!st) {
          st = raw.prepare(`insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${chunk.map(() => `(${columns.map(() => '?').join(',')})`).join(',')}`);
          statements.set(key, st);
        }
        const params: unknown[] = [];
        for (const row of chunk) for (const c of columns) params.push(row[c] ?? null);
        st.run(params);
      }
    };
    const update = raw.prepare('update links set clicks = clicks + ? where id = ?');
    // The rollup rows of each batch, as the ingester computes them (not timed: the rows, not the work of making them).
    const rollups: ReturnType<RollupBatch['rows']>[] = [];
    for (let s = 0; s < clicks.length; s += BATCH) {
      const batch = new RollupBatch();
      for (const c of clicks.slice(s, s + BATCH)) batch.add(c);
      rollups.push(batch.rows());
    }
    const upsert = (table: 'analytics_hours' | 'analytics_days', rows: Record<string, unknown>[]) => {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]!);
      const keys = columns.filter((c) => c !== 'clicks');
      for (let s = 0; s < rows.length; s += 500) {
        const chunk = rows.slice(s, s + 500);
        const key = `upsert|${table}|${chunk.length}`;
        let st = statements.get(key);
        if (!st) {
          st = raw.prepare(
            `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${chunk.map(() => `(${columns.map(() => '?').join(',')})`).join(',')} ` +
              `on conflict (${keys.map((c) => `"${c}"`).join(',')}) do update set "clicks" = "${table}"."clicks" + excluded."clicks"`,
          );
          statements.set(key, st);
        }
        const params: unknown[] = [];
        for (const row of chunk) for (const c of columns) params.push(row[c] ?? null);
        st.run(params);
      }
    };
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let s = 0; s < clicks.length; s += BATCH) {
      const batch = clicks.slice(s, s + BATCH);
      const batchEvents = events.slice(s, s + BATCH);
      raw.transaction(() => {
        insert('clicks', batch);
        insert('events', batchEvents);
        insert('event_fanout', batchEvents.map((e) => ({ event_id: e.id, created_at: e.timestamp })));
        const perLink = new Map<string, number>();
        for (const c of batch) perLink.set(c.link_id, (perLink.get(c.link_id) ?? 0) + 1);
        for (const [id, n] of perLink) update.run(n, id);
        const { hours, days } = rollups[s / BATCH]!;
        upsert('analytics_hours', hours as unknown as Record<string, unknown>[]);
        upsert('analytics_days', days as unknown as Record<string, unknown>[]);
      })();
    }
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    raw.close();
    return { ms, perSecond: (clicks.length / ms) * 1000, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await target.database.drop().catch(() => undefined);
    rmSync(target.config.journalDir!, { recursive: true, force: true });
  }
}

function insertAll(raw: Database.Database, table: string, rows: Record<string, unknown>[]): void {
  for (const row of rows) {
    const columns = Object.keys(row);
    raw.prepare(`insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values (${columns.map(() => '?').join(',')})`).run(columns.map((c) => row[c] ?? null));
  }
}
