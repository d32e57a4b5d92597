/**
 * Linkwire benchmark suite: `npm run bench [-- --quick] [--dialect sqlite|postgres|both]`.
 *
 * Runs the real server process on each storage dialect (fresh SQLite file / fresh PostgreSQL
 * database per scenario), load generators and webhook receivers in their own processes, all on
 * 127.0.0.1, and prints one table where every figure sits next to a baseline measured in the same
 * run. Results go to bench/results/<time>.json and bench/RESULTS.md. Builds nothing: it runs
 * dist/ when that is newer than src/, else the sources through tsx.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ScenarioReport, type BenchContext, type Scenario } from './lib/context.js';
import { postgresVersion, type Dialect } from './lib/databases.js';
import { detectTool } from './lib/http-load.js';
import { currentLaunch } from './lib/linkwire.js';
import { cleanupAll, installSignalHandlers, log } from './lib/procs.js';
import { updateResultsMd } from './lib/results-md.js';
import { machineInfo, machineLines, textTable, writeJson, type RunRecord, type ScenarioResult } from './lib/results.js';
import { analyticsQueryScenario } from './scenarios/analytics-query.js';
import { brokersScenario } from './scenarios/brokers.js';
import { clickLatencyScenario } from './scenarios/click-latency.js';
import { deliveryThroughputScenario } from './scenarios/delivery-throughput.js';
import { isolationScenario } from './scenarios/isolation.js';
import { journalIngestScenario } from './scenarios/journal-ingest.js';
import { pgOutageScenario } from './scenarios/pg-outage.js';
import { redirectScenario } from './scenarios/redirect.js';
import { scaleScenario } from './scenarios/scale.js';

const SCENARIOS: Scenario[] = [redirectScenario, clickLatencyScenario, deliveryThroughputScenario, isolationScenario, scaleScenario, journalIngestScenario, pgOutageScenario, analyticsQueryScenario, brokersScenario];

const HELP = `Usage: npm run bench -- [options]

  --quick                     smoke run (short durations, small backlogs; < 3 min for both dialects)
  --dialect sqlite|postgres|both   storage dialect(s) to run on (default both)
  --only a,b                  only these scenarios (${SCENARIOS.map((s) => s.id).join(', ')}); a full run
                              replaces only their rows and notes in RESULTS.md, a quick run leaves it alone
  --scale 10,100,1000         backlog sizes for the scale scenario, × 1 000 events
                              (default: quick 1,10; full 10,100,1000)
  --scale-budget SECONDS      skip a scale size whose estimated time exceeds this
                              (default: quick 60, full 480)
  --tool wrk|autocannon       force a load tool (default: wrk if installed, else autocannon)
  --profile                   write V8 CPU profiles of the Linkwire processes (printed at the end)
  --help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      dialect: { type: 'string', default: 'both' },
      only: { type: 'string' },
      scale: { type: 'string' },
      'scale-budget': { type: 'string' },
      tool: { type: 'string' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const dialects: Dialect[] =
    values.dialect === 'both' ? ['sqlite', 'postgres'] : values.dialect === 'sqlite' || values.dialect === 'postgres' ? [values.dialect] : [];
  if (dialects.length === 0) throw new Error(`--dialect must be sqlite, postgres or both (got ${values.dialect})`);
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : null;
  for (const id of only ?? []) if (!SCENARIOS.some((s) => s.id === id)) throw new Error(`--only: unknown scenario "${id}"`);
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
  const scaleFactors = values.scale
    ? values.scale.split(',').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`--scale: "${s}" is not an integer between 1 and 1000`);
        return n;
      })
    : values.quick
      ? [1, 10]
      : [10, 100, 1000];
  const scaleBudgetS = values['scale-budget'] !== undefined ? Number(values['scale-budget']) : values.quick ? 60 : 480;
  if (!Number.isFinite(scaleBudgetS) || scaleBudgetS <= 0) throw new Error('--scale-budget must be a positive number of seconds');

  installSignalHandlers();
  const tool = detectTool(values.tool);
  const launch = currentLaunch();
  const pg = dialects.includes('postgres') ? await postgresVersion() : null;
  const machine = machineInfo(tool, launch, pg);
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'linkwire-bench-prof-')) : null;
  const startedAt = new Date().toISOString();
  const command = `npm run bench --${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;

  process.stdout.write(`Linkwire benchmarks — ${values.quick ? 'quick (smoke)' : 'full'} run, ${dialects.join(' + ')}\n`);
  for (const line of machineLines(machine)) process.stdout.write(`  ${line}\n`);
  process.stdout.write('\n');

  const results: ScenarioResult[] = [];
  try {
    for (const dialect of dialects) {
      const ctx: BenchContext = { quick: values.quick, dialect, tool, profileDir, scaleFactors, scaleBudgetS };
      for (const scenario of scenarios) {
        const report = new ScenarioReport(scenario.id, scenario.title, ctx);
        const t0 = Date.now();
        log(`── ${dialect}: ${scenario.title}`);
        let error: string | null = null;
        try {
          await scenario.run(ctx, report);
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
          log(`${dialect}: ${scenario.title} failed: ${error}`);
          report.row('scenario', 'failed', '—', '—', 'ERROR');
        }
        const result = report.result(error, (Date.now() - t0) / 1000);
        results.push(result);
        log(`${dialect}: ${scenario.title} done in ${result.seconds.toFixed(0)} s`);
      }
    }
  } finally {
    await cleanupAll();
  }

  const record: RunRecord = {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: values.quick ? 'quick' : 'full',
    partial: only !== null,
    command,
    dialects,
    machine,
    scenarios: results,
  };
  const rows = results.flatMap((r) => r.rows);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  for (const r of results) {
    if (r.error) process.stdout.write(`  ${r.dialect} · ${r.title}: ERROR ${r.error}\n`);
    for (const n of r.notes) process.stdout.write(`  ${r.dialect} · ${r.title}: ${n}\n`);
  }
  const jsonPath = writeJson(record);
  process.stdout.write(`\nWrote ${jsonPath}`);
  const updated = updateResultsMd(record, jsonPath);
  if (updated.length) process.stdout.write(`; updated bench/RESULTS.md (${updated.join('; ')})`);
  else process.stdout.write(' (quick run of some scenarios: bench/RESULTS.md left as it was)');
  process.stdout.write('\n');
  if (profileDir) process.stdout.write(`CPU profiles: ${profileDir}\n`);
  const seconds = (Date.parse(record.finishedAt) - Date.parse(startedAt)) / 1000;
  const counts = { PASS: 0, MISS: 0, ERROR: 0 };
  for (const row of rows) if (row.result in counts) counts[row.result as keyof typeof counts]++;
  process.stdout.write(`${counts.PASS} PASS, ${counts.MISS} MISS, ${counts.ERROR} ERROR in ${seconds.toFixed(0)} s\n`);
  return counts.ERROR > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanupAll();
    process.exitCode = 1;
  },
);
