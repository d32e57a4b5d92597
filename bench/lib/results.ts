import { execFileSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dialect } from './databases.js';
import type { LoadTool } from './http-load.js';
import type { Launch } from './linkwire.js';
import { ROOT } from './procs.js';

export type Verdict = 'PASS' | 'MISS' | 'INFO' | 'ERROR';

/** One line of the table: a Linkwire figure next to its same-run baseline, judged against a target. */
export interface Row {
  dialect: Dialect;
  scenario: string;
  metric: string;
  linkwire: string;
  baseline: string;
  target: string;
  result: Verdict;
}

export interface ScenarioResult {
  id: string;
  title: string;
  dialect: Dialect;
  rows: Row[];
  notes: string[];
  details: Record<string, unknown>;
  error: string | null;
  seconds: number;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  tool: string;
  server: string;
  /** The commit the tree was at when the run started, and whether src/ had uncommitted changes. */
  commit: string;
  postgres: string | null;
}

export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  partial: boolean;
  command: string;
  dialects: Dialect[];
  machine: MachineInfo;
  scenarios: ScenarioResult[];
}

export function machineInfo(tool: LoadTool, launch: Launch, postgres: string | null): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    tool: tool.version,
    server: `${launch.command} (${launch.why}; copied at start so edits or rebuilds during the run cannot change it)`,
    commit: gitCommit(),
    postgres,
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} + uncommitted changes in src/` : head;
  } catch {
    return 'unknown (no git)';
  }
}

const HEADERS = ['Dialect', 'Scenario', 'Metric', 'Linkwire', 'Baseline (same run)', 'Target', 'Result'] as const;

function cells(row: Row): string[] {
  return [row.dialect, row.scenario, row.metric, row.linkwire, row.baseline, row.target, row.result];
}

/** A fixed-width text table for the terminal. */
export function textTable(rows: Row[]): string {
  const all = [HEADERS as readonly string[], ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' │ ');
  const sep = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(HEADERS), sep, ...rows.map((r) => line(cells(r)))].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}

/** What ran where; `commit: false` leaves the commit out for a caller that names it beside the run (a full section of RESULTS.md). */
export function machineLines(m: MachineInfo, { commit = true } = {}): string[] {
  return [
    `CPU: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}`,
    `Node ${m.node}; load tool: ${m.tool}; PostgreSQL ${m.postgres ?? 'not used'}`,
    commit ? `Code under test: commit ${m.commit}; server: ${m.server}` : `Server: ${m.server}`,
    `All processes (Linkwire, the load generator, the receivers${m.postgres ? ', PostgreSQL' : ''}) share these ${m.cores} cores on 127.0.0.1: every figure, baselines included, is measured under that contention.`,
  ];
}

/** Writes bench/results/<ISO time>.json and returns its path (relative to the repository). */
export function writeJson(record: RunRecord): string {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = record.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const name = `${stamp}${record.mode === 'quick' ? '-quick' : ''}${record.partial ? '-partial' : ''}.json`;
  const tmp = join(dir, `${name}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, join(dir, name));
  return `bench/results/${name}`;
}
