/**
 * Journal ingest rate, pure: N click records already in a journal (as the redirect writes them),
 * then the ingester alone moves them into a fresh database (bench/lib/journal-ingest.ts).
 * `node --import tsx bench/ingest-probe.ts [sqlite|postgres] [N] [links] [--no-baseline] [--profile]`
 * --profile writes a V8 CPU profile of the timed ingest only (its path is printed).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureIngest } from './lib/journal-ingest.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dialect = (args[0] ?? 'sqlite') as 'sqlite' | 'postgres';
const count = Number(args[1] ?? 100_000);
const links = Number(args[2] ?? 1);
// Set inside the callback below (an object, so the narrowing of `null` does not stick).
const profile: { path: string | null } = { path: null };
const around = process.argv.includes('--profile')
  ? async <T>(fn: () => Promise<T>): Promise<T> => {
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      try {
        return await fn();
      } finally {
        const cpu = await session.post('Profiler.stop');
        profile.path = join(tmpdir(), `ingest-${dialect}-${Date.now()}.cpuprofile`);
        writeFileSync(profile.path, JSON.stringify(cpu.profile));
        session.disconnect();
      }
    }
  : undefined;
const r = await measureIngest(dialect, count, { links, baseline: !process.argv.includes('--no-baseline'), ...(around ? { around } : {}) });
const ok = r.counted === r.clicks && r.events === r.clicks;
process.stdout.write(
  `${dialect}: ${r.clicks} clicks over ${r.links} link(s) ingested in ${r.ms.toFixed(0)} ms = ${Math.round(r.perSecond)} clicks/s` +
    ` (counted ${r.counted}, link.clicked events ${r.events}${ok ? '' : ' — MISMATCH'})\n` +
    `CPU of this process during the ingest: ${r.cpuMs.toFixed(0)} ms = ${((r.cpuMs / r.clicks) * 1000).toFixed(1)} µs per click\n` +
    (r.serverCpuMs !== null ? `CPU of the PostgreSQL server processes: ${r.serverCpuMs.toFixed(0)} ms = ${((r.serverCpuMs / r.clicks) * 1000).toFixed(1)} µs per click\n` : '') +
    `journal: ${(r.journalBytes / 1e6).toFixed(1)} MB = ${r.bytesPerClick.toFixed(0)} bytes/click (full link in every record: ${r.inlineBytesPerClick.toFixed(0)} bytes/click)\n` +
    (r.baseline ? `baseline, the same rows (clicks, events, fan-out, counters, rollups) with better-sqlite3 alone: ${r.baseline.ms.toFixed(0)} ms = ${Math.round(r.baseline.perSecond)} clicks/s; ingest/baseline ${(r.perSecond / r.baseline.perSecond).toFixed(2)}; CPU ${r.baseline.cpuMs.toFixed(0)} ms, baseline/ingest CPU ${(r.baseline.cpuMs / r.cpuMs).toFixed(2)}\n` : '') +
    (profile.path ? `CPU profile of the ingest: ${profile.path}\n` : ''),
);
if (!ok) process.exitCode = 1;
