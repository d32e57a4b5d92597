import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../bench/lib/databases.js';
import { parseFullSection, scenarioList, updateResultsText } from '../../bench/lib/results-md.js';
import type { MachineInfo, RunRecord, ScenarioResult } from '../../bench/lib/results.js';

// A RESULTS.md as the older writer left it, hand edits included: scenario 8's rows and notes were
// pasted in from a separate run, one note is wrapped over two lines, and hand-written text follows
// the sections.
const SQLITE_SECTION = `<!-- bench:full-sqlite:start -->
## Latest full run — SQLite

Run 2026-12-02T06:55:52.751Z → 2026-12-02T07:14:04.302Z · \`npm run bench --\` · data: \`bench/results/2026-12-02T06-55-52Z.json\`

- CPU: AMD EPYC, 2 cores, 24 GiB RAM; linux 6.18
- Node v20.20.2; load tool: wrk 4.1.0; PostgreSQL 15.20
- Code under test: commit 39b63b2; server: node dist/main.js serve (dist/ is newer than src/)
- All processes (Linkwire, the load generator, the receivers, PostgreSQL) share these 2 cores on 127.0.0.1: every figure, baselines included, is measured under that contention.

| Dialect | Scenario | Metric | Linkwire | Baseline (same run) | Target | Result |
|---|---|---|---|---|---|---|
| sqlite | 1 Redirect | req/s (50 conns) | 18,613 (0.59×) | 31,292 bare node:http | ≥ 0.7× bare | MISS |
| sqlite | 1 Redirect | p99 latency | 11.2 ms | 4.78 ms | < 5 ms | MISS |
| sqlite | 5 Scale of work | 10× = 10,000: deliveries/s | 2,759 | (reference) | all arrive | PASS |
| sqlite | 6 Journal ingest | journal ingest, clicks/s | 28,344 (0.57×) | 49,553 raw better-sqlite3 | ≥ 50,000/s | MISS |
| sqlite | 6 Journal ingest | journal bytes per click | 461 B | 1074 B with the link in every record | — | INFO |
| sqlite | 8 Analytics query | analytics: 90 days, whole workspace, ms (median) | 242 | 890,885 clicks counted | < 300 ms | PASS |

Notes:

- sqlite · 1 Redirect: clicks − 302s = 41.
- sqlite · 5 Scale of work: 10×: 10,000/10,000 arrived.
- sqlite · 6 Journal ingest: 200,000 clicks over 10 links in 7.06 s.
- sqlite · 7 PostgreSQL outage: PostgreSQL only: an embedded SQLite database has no outage to survive.
- sqlite · 8 Analytics query: measured separately, by hand
  at commit 9bab6ef. Noisy.

<!-- bench:full-sqlite:end -->`;

const POSTGRES_SECTION = `<!-- bench:full-postgres:start -->
## Latest full run — PostgreSQL

Run 2026-12-02T06:55:52.751Z → 2026-12-02T07:14:04.302Z · \`npm run bench --\` · data: \`bench/results/2026-12-02T06-55-52Z.json\`

| Dialect | Scenario | Metric | Linkwire | Baseline (same run) | Target | Result |
|---|---|---|---|---|---|---|
| postgres | 6 Journal ingest | journal ingest, clicks/s | 10,880 | — | — | INFO |

<!-- bench:full-postgres:end -->`;

const TRAILER = `## Database bytes per click

| dialect | before | after |
|---|---|---|
| SQLite | 2 376 B/click | 1 556 B/click |
`;

const RESULTS_MD = `# Linkwire benchmark results\n\nPreamble.\n\n${SQLITE_SECTION}\n\n${POSTGRES_SECTION}\n\n${TRAILER}`;

const MACHINE: MachineInfo = {
  cpuModel: 'AMD EPYC',
  cores: 2,
  memoryGiB: 24,
  os: 'linux 6.18',
  node: 'v20.20.2',
  tool: 'wrk 4.1.0',
  server: 'node dist/main.js serve (dist/ is newer than src/)',
  commit: 'ebb3b91',
  postgres: '15.20',
};

function scenario(dialect: Dialect, title: string, linkwire: string, notes: string[] = []): ScenarioResult {
  return {
    id: title,
    title,
    dialect,
    rows: [{ dialect, scenario: title, metric: 'journal ingest, clicks/s', linkwire, baseline: '—', target: '—', result: 'INFO' }],
    notes,
    details: {},
    error: null,
    seconds: 60,
  };
}

function run(overrides: Partial<RunRecord>): RunRecord {
  return {
    startedAt: '2026-12-08T00:00:00.000Z',
    finishedAt: '2026-12-08T00:01:00.000Z',
    mode: 'full',
    partial: true,
    command: 'npm run bench -- --only journal-ingest --dialect sqlite',
    dialects: ['sqlite'],
    machine: MACHINE,
    scenarios: [scenario('sqlite', '6 Journal ingest', '31,000', ['200,000 clicks in 6.4 s.'])],
    ...overrides,
  };
}

const section = (text: string, id: string) => text.slice(text.indexOf(`<!-- bench:${id}:start -->`), text.indexOf(`<!-- bench:${id}:end -->`));
const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('bench/RESULTS.md after a full run of some scenarios', () => {
  it('replaces the rows and notes of the scenarios it ran and keeps the others verbatim, in scenario order', () => {
    const { text, updated } = updateResultsText(RESULTS_MD, run({}), 'bench/results/2026-12-08T00-00-00Z-partial.json');
    expect(updated).toEqual(['full-sqlite: scenario 6']);
    const sqlite = section(text, 'full-sqlite');
    const oldRows = lines(SQLITE_SECTION, '| sqlite |');
    expect(lines(sqlite, '| sqlite |')).toEqual([
      ...oldRows.slice(0, 3),
      '| sqlite | 6 Journal ingest | journal ingest, clicks/s | 31,000 | — | — | INFO |',
      oldRows[5],
    ]);
    expect(sqlite).toContain(
      [
        '- sqlite · 5 Scale of work: 10×: 10,000/10,000 arrived.',
        '- sqlite · 6 Journal ingest: 200,000 clicks in 6.4 s.',
        '- sqlite · 7 PostgreSQL outage: PostgreSQL only: an embedded SQLite database has no outage to survive.',
        '- sqlite · 8 Analytics query: measured separately, by hand\n  at commit 9bab6ef. Noisy.',
      ].join('\n'),
    );
    expect(sqlite).not.toContain('7.06 s');
    expect(sqlite).not.toContain('28,344');
  });

  it('names the run each row comes from, and gives the machine once when every run had the same', () => {
    const { text } = updateResultsText(RESULTS_MD, run({}), 'bench/results/2026-12-08T00-00-00Z-partial.json');
    const sqlite = section(text, 'full-sqlite');
    expect(lines(sqlite, '- Scenario')).toEqual([
      '- Scenarios 1, 5, 7, 8: run 2026-12-02T06:55:52.751Z → 2026-12-02T07:14:04.302Z · `npm run bench --` · commit 39b63b2 · data: `bench/results/2026-12-02T06-55-52Z.json`',
      '- Scenario 6: run 2026-12-08T00:00:00.000Z → 2026-12-08T00:01:00.000Z · `npm run bench -- --only journal-ingest --dialect sqlite` · commit ebb3b91 · data: `bench/results/2026-12-08T00-00-00Z-partial.json`',
    ]);
    expect(lines(sqlite, 'Machine')).toEqual(['Machine (the same for every run above):']);
    expect(lines(sqlite, '- Server: ')).toEqual(['- Server: node dist/main.js serve (dist/ is newer than src/)']);
    expect(sqlite).not.toContain('Code under test');
  });

  it('keeps the other dialect, the text after the sections, and reads its own output back', () => {
    const first = updateResultsText(RESULTS_MD, run({}), 'bench/results/a.json').text;
    expect(section(first, 'full-postgres')).toBe(section(RESULTS_MD, 'full-postgres'));
    expect(first.endsWith(`<!-- bench:full-postgres:end -->\n\n${TRAILER}`)).toBe(true);
    expect(first.startsWith('# Linkwire benchmark results\n\nPreamble.\n\n<!-- bench:full-sqlite:start -->')).toBe(true);

    // A later run of scenarios 1 and 8 on another machine: three runs now, each with its machine.
    const second = updateResultsText(
      first,
      run({
        startedAt: '2026-12-09T00:00:00.000Z',
        finishedAt: '2026-12-09T00:30:00.000Z',
        command: 'npm run bench -- --only analytics,redirect --dialect sqlite',
        machine: { ...MACHINE, commit: 'f00f00f', tool: 'autocannon 8.0.0' },
        scenarios: [scenario('sqlite', '8 Analytics query', '150'), scenario('sqlite', '1 Redirect', '20,000')],
      }),
      'bench/results/b.json',
    ).text;
    const sqlite = section(second, 'full-sqlite');
    expect(lines(sqlite, '- Scenario').map((l) => l.slice(0, l.indexOf(' · '))).join('\n')).toBe(
      [
        '- Scenarios 1, 8: run 2026-12-09T00:00:00.000Z → 2026-12-09T00:30:00.000Z',
        '- Scenarios 5, 7: run 2026-12-02T06:55:52.751Z → 2026-12-02T07:14:04.302Z',
        '- Scenario 6: run 2026-12-08T00:00:00.000Z → 2026-12-08T00:01:00.000Z',
      ].join('\n'),
    );
    expect(lines(sqlite, 'Machine')).toEqual(['Machine for the run of scenarios 1, 8:', 'Machine for the run of scenarios 5, 7:', 'Machine for the run of scenario 6:']);
    expect(lines(sqlite, '| sqlite |').map((l) => l.split(' | ')[1])).toEqual(['1 Redirect', '5 Scale of work', '6 Journal ingest', '8 Analytics query']);
    expect(lines(sqlite, '| sqlite | 6 ')).toEqual(lines(section(first, 'full-sqlite'), '| sqlite | 6 '));
    expect(sqlite).not.toContain('measured separately');

    const parsed = parseFullSection(sqlite);
    expect(parsed.sources.map((s) => [s.commit, s.machine[1]])).toEqual([
      ['f00f00f', 'Node v20.20.2; load tool: autocannon 8.0.0; PostgreSQL 15.20'],
      ['39b63b2', 'Node v20.20.2; load tool: wrk 4.1.0; PostgreSQL 15.20'],
      ['ebb3b91', 'Node v20.20.2; load tool: wrk 4.1.0; PostgreSQL 15.20'],
    ]);
  });
});

describe('bench/RESULTS.md after other runs', () => {
  it('a full run of every scenario replaces its dialect section whole', () => {
    const { text, updated } = updateResultsText(RESULTS_MD, run({ partial: false, command: 'npm run bench -- --dialect sqlite' }), 'bench/results/c.json');
    expect(updated).toEqual(['full-sqlite']);
    const sqlite = section(text, 'full-sqlite');
    expect(lines(sqlite, '| sqlite |')).toHaveLength(1);
    expect(lines(sqlite, '- Scenario')).toHaveLength(1);
    expect(sqlite).toContain('Machine:');
    expect(text).toContain(TRAILER);
  });

  it('a quick run replaces the quick section; a quick run of some scenarios leaves the file alone', () => {
    const quick = run({ mode: 'quick', partial: false, command: 'npm run bench -- --quick' });
    const { text, updated } = updateResultsText(RESULTS_MD, quick, 'bench/results/d-quick.json');
    expect(updated).toEqual(['quick']);
    expect(text).toContain('<!-- bench:full-postgres:end -->\n\n<!-- bench:quick:start -->\n## Latest quick run (sqlite)');
    expect(text.replace(section(text, 'quick'), '')).toContain(TRAILER);
    expect(updateResultsText(RESULTS_MD, { ...quick, partial: true }, 'x').updated).toEqual([]);
  });

  it('a scenario that failed replaces its rows with its ERROR row and error note', () => {
    const failed: ScenarioResult = {
      ...scenario('sqlite', '8 Analytics query', 'failed'),
      rows: [{ dialect: 'sqlite', scenario: '8 Analytics query', metric: 'scenario', linkwire: 'failed', baseline: '—', target: '—', result: 'ERROR' }],
      error: 'seed timed out',
    };
    const sqlite = section(updateResultsText(RESULTS_MD, run({ scenarios: [failed] }), 'bench/results/e.json').text, 'full-sqlite');
    expect(lines(sqlite, '| sqlite | 8 ')).toEqual(['| sqlite | 8 Analytics query | scenario | failed | — | — | ERROR |']);
    expect(lines(sqlite, '- sqlite · 8 ')).toEqual(['- sqlite · 8 Analytics query: **error** seed timed out']);
    expect(lines(sqlite, '| sqlite | 6 ')).toEqual(lines(SQLITE_SECTION, '| sqlite | 6 '));
  });

  it('lists scenarios as ranges from three on', () => {
    expect(scenarioList([9, 1, 2, 3, 4, 6, 7])).toBe('Scenarios 1–4, 6, 7, 9');
    expect(scenarioList([5])).toBe('Scenario 5');
  });

  it('refuses a line it cannot file under a scenario rather than drop it', () => {
    expect(() => parseFullSection(`${SQLITE_SECTION.replace('Notes:', 'A stray paragraph.\n\nNotes:')}`)).toThrow(/A stray paragraph/);
  });
});
