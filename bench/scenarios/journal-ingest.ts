/**
 * 6. Journal ingest: clicks already in the click journal (as the redirect writes them) moved into
 * the database by the ingester alone, in this process (bench/lib/journal-ingest.ts): click rows,
 * counters, one `link.clicked` event each, the journal position — verified afterwards, every
 * click once. Baseline (SQLite): the same rows written with better-sqlite3 alone, same batch size.
 * Target (issue 12): ≥ 50 000 clicks/s on SQLite; PostgreSQL is reported beside it.
 * Runs the sources (src/ through tsx), not dist/: it calls the ingester directly.
 */
import { verdict, type BenchContext, type Scenario, type ScenarioReport } from '../lib/context.js';
import { measureIngest } from '../lib/journal-ingest.js';
import { log } from '../lib/procs.js';
import { fmtInt, fmtRatio } from '../lib/stats.js';

const TARGET_PER_S = 50_000;

export const journalIngestScenario: Scenario = {
  id: 'journal-ingest',
  title: '6 Journal ingest',
  async run(ctx: BenchContext, report: ScenarioReport): Promise<void> {
    const clicks = ctx.quick ? 50_000 : 200_000;
    // A few links, as a real journal has: one counter UPDATE per link per batch.
    const links = 10;
    log(`journal ingest: ${fmtInt(clicks)} clicks over ${links} links`);
    const r = await measureIngest(ctx.dialect, clicks, { links });
    const exact = r.counted === r.clicks && r.events === r.clicks;
    const base = r.baseline;
    report.row(
      'journal ingest, clicks/s',
      `${fmtInt(r.perSecond)}${base ? ` (${fmtRatio(r.perSecond / base.perSecond)})` : ''}`,
      base ? `${fmtInt(base.perSecond)} raw better-sqlite3` : '—',
      ctx.dialect === 'sqlite' ? `≥ ${fmtInt(TARGET_PER_S)}/s` : '—',
      ctx.dialect === 'sqlite' ? verdict(r.perSecond >= TARGET_PER_S && exact) : exact ? 'INFO' : 'MISS',
    );
    report.row('journal bytes per click', `${r.bytesPerClick.toFixed(0)} B`, `${r.inlineBytesPerClick.toFixed(0)} B with the link in every record`, '—', 'INFO');
    report.row('every click counted once, one event each', `${fmtInt(r.counted)} counted, ${fmtInt(r.events)} events`, `${fmtInt(r.clicks)} in the journal`, 'all equal', verdict(exact));
    report.note(`${fmtInt(r.clicks)} clicks over ${r.links} links in ${(r.ms / 1000).toFixed(2)} s; journal ${(r.journalBytes / 1e6).toFixed(1)} MB${base ? `; better-sqlite3 alone wrote the same rows in ${(base.ms / 1000).toFixed(2)} s` : ''}.`);
    report.details.ingest = r;
  },
};
