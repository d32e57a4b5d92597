/**
 * Journal ingest rate, pure: N click records already in a journal (as the redirect writes them),
 * then the ingester alone moves them into a fresh database (bench/lib/journal-ingest.ts).
 * `node --import tsx bench/ingest-probe.ts [sqlite|postgres] [N] [links] [--no-baseline]`
 * Add `--cpu-prof` before `--import` for a profile of the ingest.
 */
import { measureIngest } from './lib/journal-ingest.js';

const dialect = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const count = Number(process.argv[3] ?? 100_000);
const links = Number(process.argv[4] ?? 1);
const r = await measureIngest(dialect, count, links, !process.argv.includes('--no-baseline'));
const ok = r.counted === r.clicks && r.events === r.clicks;
process.stdout.write(
  `${dialect}: ${r.clicks} clicks over ${r.links} link(s) ingested in ${r.ms.toFixed(0)} ms = ${Math.round(r.perSecond)} clicks/s` +
    ` (counted ${r.counted}, link.clicked events ${r.events}${ok ? '' : ' — MISMATCH'})\n` +
    `journal: ${(r.journalBytes / 1e6).toFixed(1)} MB = ${r.bytesPerClick.toFixed(0)} bytes/click (full link in every record: ${r.inlineBytesPerClick.toFixed(0)} bytes/click)\n` +
    (r.baseline ? `baseline, the same rows with better-sqlite3 alone: ${r.baseline.ms.toFixed(0)} ms = ${Math.round(r.baseline.perSecond)} clicks/s; ingest/baseline ${(r.perSecond / r.baseline.perSecond).toFixed(2)}\n` : ''),
);
if (!ok) process.exitCode = 1;
