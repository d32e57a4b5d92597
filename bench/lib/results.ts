import { execFileSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

export function machineLines(m: MachineInfo): string[] {
  return [
    `CPU: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}`,
    `Node ${m.node}; load tool: ${m.tool}; PostgreSQL ${m.postgres ?? 'not used'}`,
    `Code under test: commit ${m.commit}; server: ${m.server}`,
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

const PREAMBLE = `# Linkwire benchmark results

Written by \`npm run bench\` (bench/run.ts). Each section below is replaced by the latest run of
its kind: the latest full run per dialect, and the latest quick (smoke) run. Every Linkwire
figure sits next to a baseline measured in the same run on the same machine; **MISS** means the
target was not met on this machine — the suite is never tuned to pass. Raw data of every run is
in \`bench/results/<time>.json\`.
`;

function marker(id: string, edge: 'start' | 'end'): string {
  return `<!-- bench:${id}:${edge} -->`;
}

function sectionText(id: string, title: string, record: RunRecord, jsonPath: string, dialects: Dialect[]): string {
  const scenarios = record.scenarios.filter((s) => dialects.includes(s.dialect));
  const rows = scenarios.flatMap((s) => s.rows);
  const notes = scenarios.flatMap((s) => s.notes.map((n) => `- ${s.dialect} · ${s.title}: ${n}`));
  const errors = scenarios.filter((s) => s.error).map((s) => `- ${s.dialect} · ${s.title}: **error** ${s.error}`);
  return [
    marker(id, 'start'),
    `## ${title}`,
    '',
    `Run ${record.startedAt} → ${record.finishedAt} · \`${record.command}\` · data: \`${jsonPath}\``,
    '',
    ...machineLines(record.machine).map((l) => `- ${l}`),
    '',
    markdownTable(rows),
    '',
    ...(notes.length || errors.length ? ['Notes:', '', ...errors, ...notes, ''] : []),
    marker(id, 'end'),
  ].join('\n');
}

/** Rewrites the sections of bench/RESULTS.md this run stands for, keeping the others. */
export function updateResultsMd(record: RunRecord, jsonPath: string): string[] {
  const path = join(ROOT, 'bench/RESULTS.md');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : PREAMBLE;
  const order = ['full-sqlite', 'full-postgres', 'quick'];
  const sections = new Map<string, string>();
  for (const id of order) {
    const start = text.indexOf(marker(id, 'start'));
    const end = text.indexOf(marker(id, 'end'));
    if (start !== -1 && end > start) sections.set(id, text.slice(start, end + marker(id, 'end').length));
  }
  const updated: string[] = [];
  if (record.mode === 'quick') {
    sections.set('quick', sectionText('quick', `Latest quick run (${record.dialects.join(' + ')})`, record, jsonPath, record.dialects));
    updated.push('quick');
  } else {
    for (const dialect of record.dialects) {
      const id = `full-${dialect}`;
      sections.set(id, sectionText(id, `Latest full run — ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, record, jsonPath, [dialect]));
      updated.push(id);
    }
  }
  const firstMarker = text.indexOf('<!-- bench:');
  const head = firstMarker === -1 ? text.trimEnd() : text.slice(0, firstMarker).trimEnd();
  text = `${head}\n\n${order
    .filter((id) => sections.has(id))
    .map((id) => sections.get(id)!)
    .join('\n\n')}\n`;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return updated;
}
