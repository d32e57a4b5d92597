/**
 * bench/RESULTS.md: how a run updates its sections.
 *
 * A full run of every scenario replaces its dialect's section. A full run of some (`--only`) replaces
 * only those scenarios' rows and notes and keeps the rest — the analytics scenario alone seeds 1 M
 * clicks per dialect, so the whole suite (~50 min) is not rerun to refresh one scenario. Each
 * section then names, per run, the scenarios it supplied. A quick run replaces the quick section;
 * a quick run of some scenarios leaves the file alone. Text outside the sections is kept as it is.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dialect } from './databases.js';
import { ROOT } from './procs.js';
import { machineLines, markdownTable, type RunRecord, type ScenarioResult } from './results.js';

/** One run a full section's rows come from, and the scenarios (by number) it still supplies there. */
export interface RunSource {
  scenarios: number[];
  /** `<start> → <end>`, ISO times. */
  run: string;
  command: string;
  commit: string;
  /** The run's JSON, relative to the repository. */
  data: string;
  /** machineLines without the commit (the source line names it). */
  machine: string[];
}

/** A full section's content, each table row and note kept verbatim under its scenario's number. */
export interface FullSection {
  sources: RunSource[];
  rows: Map<number, string[]>;
  notes: Map<number, string[]>;
}

const SECTION_ORDER = ['full-sqlite', 'full-postgres', 'quick'] as const;
type SectionId = (typeof SECTION_ORDER)[number];

export const PREAMBLE = `# Linkwire benchmark results

Written by \`npm run bench\` (bench/run.ts). The full sections (one per dialect) hold each
scenario's rows from the latest full run that ran it: a full run of every scenario replaces the
section, a full run of some (\`--only\`) replaces only theirs, and the lines under the header name
the run each row comes from. The quick section is the latest quick (smoke) run. Every Linkwire
figure sits next to a baseline measured in the same run on the same machine; **MISS** means the
target was not met on this machine — the suite is never tuned to pass. Raw data of every run is
in \`bench/results/<time>.json\`.
`;

function marker(id: string, edge: 'start' | 'end'): string {
  return `<!-- bench:${id}:${edge} -->`;
}

/** The number a scenario's title starts with ("8 Analytics query" → 8): rows and notes are filed by it. */
export function scenarioNumber(title: string): number {
  const match = /^(\d+)\s/.exec(title.trim());
  if (!match) throw new Error(`scenario title "${title}" does not start with its number`);
  return Number(match[1]);
}

/** [1, 2, 3, 4, 6, 7, 9] → "Scenarios 1–4, 6, 7, 9" (a range from three on). */
export function scenarioList(numbers: number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}–${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'Scenario' : 'Scenarios'} ${parts.join(', ')}`;
}

function parseScenarioList(text: string): number[] {
  return text.split(',').flatMap((part) => {
    const [from, to] = part.trim().split('–').map(Number);
    if (from === undefined || !Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) throw new Error(`not a scenario list: "${text}"`);
    return Array.from({ length: (to ?? from) - from + 1 }, (_, k) => from + k);
  });
}

const SOURCE_LINE = /^- Scenarios? ([\d–, ]+): run (\S+ → \S+) · `([^`]*)` · commit (.+?) · data: `([^`]+)`$/;
/** The header line of a section written before sections named a run per scenario. */
const OLD_RUN_LINE = /^Run (\S+ → \S+) · `([^`]*)` · data: `([^`]+)`$/;
const OLD_COMMIT_LINE = /^Code under test: commit (.+?); server: (.*)$/;
const MACHINE_HEADER = /^Machine(?: \(the same for every run above\)| for the run of scenarios? ([\d–, ]+))?:$/;
const NOTE_SCENARIO = /^- \w+ · (\d+) /;

function file(map: Map<number, string[]>, scenario: number, line: string): void {
  map.set(scenario, [...(map.get(scenario) ?? []), line]);
}

/**
 * Reads a full section (between its markers) as written by sectionText below, or by the older
 * writer (one `Run …` line and the commit among the machine lines), hand edits included: a row is
 * filed by its Scenario cell, a note by its "dialect · N Name:" prefix.
 */
export function parseFullSection(text: string): FullSection {
  const section: FullSection = { sources: [], rows: new Map(), notes: new Map() };
  let oldSource: RunSource | null = null;
  let machineFor: RunSource[] = [];
  let state: 'head' | 'machine' | 'table' | 'notes' = 'head';
  let lastNote: { scenario: number; index: number } | null = null;
  for (const line of text.split('\n').map((l) => l.trimEnd())) {
    if (line === '' || line.startsWith('<!-- bench:') || line.startsWith('## ')) continue;
    let match: RegExpExecArray | null;
    if ((match = SOURCE_LINE.exec(line))) {
      section.sources.push({ scenarios: parseScenarioList(match[1]!), run: match[2]!, command: match[3]!, commit: match[4]!, data: match[5]!, machine: [] });
    } else if ((match = OLD_RUN_LINE.exec(line))) {
      oldSource = { scenarios: [], run: match[1]!, command: match[2]!, commit: 'unknown', data: match[3]!, machine: [] };
      section.sources.push(oldSource);
      machineFor = [oldSource];
      state = 'machine';
    } else if ((match = MACHINE_HEADER.exec(line))) {
      const label = match[1];
      machineFor = label === undefined ? section.sources : section.sources.filter((s) => scenarioList(s.scenarios) === scenarioList(parseScenarioList(label)));
      state = 'machine';
    } else if (line.startsWith('|')) {
      state = 'table';
      const scenarioCell = line.split(/(?<!\\)\|/)[2]?.trim() ?? '';
      if (scenarioCell === 'Scenario' || /^-+$/.test(scenarioCell)) continue;
      file(section.rows, scenarioNumber(scenarioCell), line);
    } else if (line === 'Notes:') {
      state = 'notes';
    } else if (state === 'machine' && line.startsWith('- ')) {
      const old = OLD_COMMIT_LINE.exec(line.slice(2));
      if (old && oldSource) oldSource.commit = old[1]!;
      for (const source of machineFor) source.machine.push(old ? `Server: ${old[2]}` : line.slice(2));
    } else if (state === 'notes' && (match = NOTE_SCENARIO.exec(line))) {
      const scenario = Number(match[1]);
      file(section.notes, scenario, line);
      lastNote = { scenario, index: section.notes.get(scenario)!.length - 1 };
    } else if (state === 'notes' && lastNote && !line.startsWith('- ')) {
      // A note wrapped by hand: the line belongs to the note above it.
      const notes = section.notes.get(lastNote.scenario)!;
      notes[lastNote.index] = `${notes[lastNote.index]}\n${line}`;
    } else {
      throw new Error(`cannot tell which scenario this line of a full section belongs to: "${line}"`);
    }
  }
  // The older writer had one run for the whole section: it supplied every scenario found there.
  if (oldSource) oldSource.scenarios = [...new Set([...section.rows.keys(), ...section.notes.keys()])].sort((a, b) => a - b);
  return section;
}

const errorLines = (s: ScenarioResult) => (s.error ? [`- ${s.dialect} · ${s.title}: **error** ${s.error}`] : []);
const noteLines = (s: ScenarioResult) => s.notes.map((n) => `- ${s.dialect} · ${s.title}: ${n}`);

/** One dialect's part of a full run, as a section of its own. */
export function sectionFromRun(record: RunRecord, jsonPath: string, dialect: Dialect): FullSection {
  const scenarios = record.scenarios.filter((s) => s.dialect === dialect);
  const section: FullSection = {
    sources: [
      {
        scenarios: [...new Set(scenarios.map((s) => scenarioNumber(s.title)))].sort((a, b) => a - b),
        run: `${record.startedAt} → ${record.finishedAt}`,
        command: record.command,
        commit: record.machine.commit,
        data: jsonPath,
        machine: machineLines(record.machine, { commit: false }),
      },
    ],
    rows: new Map(),
    notes: new Map(),
  };
  for (const s of scenarios) {
    const n = scenarioNumber(s.title);
    // The table's own row format, less its header and separator lines.
    for (const line of markdownTable(s.rows).split('\n').slice(2)) file(section.rows, n, line);
    for (const line of [...errorLines(s), ...noteLines(s)]) file(section.notes, n, line);
  }
  return section;
}

/** The section with the scenarios `run` ran taken from it, rows and notes; the other scenarios' kept verbatim. */
export function mergeRun(section: FullSection, run: FullSection): FullSection {
  const ran = new Set(run.sources.flatMap((s) => s.scenarios));
  const kept = <T>(map: Map<number, T>) => new Map([...map].filter(([n]) => !ran.has(n)));
  const sources = [
    ...section.sources.map((s) => ({ ...s, scenarios: s.scenarios.filter((n) => !ran.has(n)) })).filter((s) => s.scenarios.length > 0),
    ...run.sources,
  ];
  return {
    sources: sources.sort((a, b) => Math.min(...a.scenarios) - Math.min(...b.scenarios)),
    rows: new Map([...kept(section.rows), ...run.rows]),
    notes: new Map([...kept(section.notes), ...run.notes]),
  };
}

const byScenario = (map: Map<number, string[]>) => [...map].sort(([a], [b]) => a - b).flatMap(([, lines]) => lines);

function renderFullSection(id: SectionId, title: string, section: FullSection): string {
  const machines = new Set(section.sources.map((s) => s.machine.join('\n')));
  const machineBlocks =
    machines.size <= 1
      ? [section.sources.length > 1 ? 'Machine (the same for every run above):' : 'Machine:', '', ...(section.sources[0]?.machine ?? []).map((l) => `- ${l}`), '']
      : section.sources.flatMap((s) => [`Machine for the run of ${scenarioList(s.scenarios).toLowerCase()}:`, '', ...s.machine.map((l) => `- ${l}`), '']);
  const notes = byScenario(section.notes);
  return [
    marker(id, 'start'),
    `## ${title}`,
    '',
    ...section.sources.map((s) => `- ${scenarioList(s.scenarios)}: run ${s.run} · \`${s.command}\` · commit ${s.commit} · data: \`${s.data}\``),
    '',
    ...machineBlocks,
    markdownTable([]),
    ...byScenario(section.rows),
    '',
    ...(notes.length ? ['Notes:', '', ...notes, ''] : []),
    marker(id, 'end'),
  ].join('\n');
}

/** The quick section: one run, replaced whole. */
function quickSectionText(record: RunRecord, jsonPath: string): string {
  const notes = [...record.scenarios.flatMap(errorLines), ...record.scenarios.flatMap(noteLines)];
  return [
    marker('quick', 'start'),
    `## Latest quick run (${record.dialects.join(' + ')})`,
    '',
    `Run ${record.startedAt} → ${record.finishedAt} · \`${record.command}\` · data: \`${jsonPath}\``,
    '',
    ...machineLines(record.machine).map((l) => `- ${l}`),
    '',
    markdownTable(record.scenarios.flatMap((s) => s.rows)),
    '',
    ...(notes.length ? ['Notes:', '', ...notes, ''] : []),
    marker('quick', 'end'),
  ].join('\n');
}

function findSection(text: string, id: SectionId): { start: number; end: number } | null {
  const start = text.indexOf(marker(id, 'start'));
  const end = text.indexOf(marker(id, 'end'));
  return start !== -1 && end > start ? { start, end: end + marker(id, 'end').length } : null;
}

/** Puts a section where it was, else after the sections that come before it, else before the others, else at the end. */
function placeSection(text: string, id: SectionId, section: string): string {
  const found = findSection(text, id);
  if (found) return text.slice(0, found.start) + section + text.slice(found.end);
  const earlier = SECTION_ORDER.slice(0, SECTION_ORDER.indexOf(id))
    .map((other) => findSection(text, other))
    .filter((f) => f !== null);
  const later = SECTION_ORDER.slice(SECTION_ORDER.indexOf(id) + 1)
    .map((other) => findSection(text, other))
    .filter((f) => f !== null);
  const at = earlier.length ? Math.max(...earlier.map((f) => f.end)) : later.length ? Math.min(...later.map((f) => f.start)) : null;
  if (at === null) return `${text.trimEnd()}\n\n${section}\n`;
  return earlier.length ? `${text.slice(0, at)}\n\n${section}${text.slice(at)}` : `${text.slice(0, at)}${section}\n\n${text.slice(at)}`;
}

/** The text of RESULTS.md after `record`, and which sections changed (with the scenarios, for a partial full run). */
export function updateResultsText(text: string, record: RunRecord, jsonPath: string): { text: string; updated: string[] } {
  if (record.mode === 'quick') {
    if (record.partial) return { text, updated: [] };
    return { text: placeSection(text, 'quick', quickSectionText(record, jsonPath)), updated: ['quick'] };
  }
  const updated: string[] = [];
  for (const dialect of record.dialects) {
    const id = dialect === 'sqlite' ? 'full-sqlite' : 'full-postgres';
    const run = sectionFromRun(record, jsonPath, dialect);
    const found = record.partial ? findSection(text, id) : null;
    const section = found ? mergeRun(parseFullSection(text.slice(found.start, found.end)), run) : run;
    text = placeSection(text, id, renderFullSection(id, `Latest full run — ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, section));
    updated.push(record.partial ? `${id}: ${scenarioList(run.sources[0]!.scenarios).toLowerCase()}` : id);
  }
  return { text, updated };
}

/** Rewrites the sections of bench/RESULTS.md this run stands for (see the top of this file). */
export function updateResultsMd(record: RunRecord, jsonPath: string): string[] {
  const path = join(ROOT, 'bench/RESULTS.md');
  const { text, updated } = updateResultsText(existsSync(path) ? readFileSync(path, 'utf8') : PREAMBLE, record, jsonPath);
  if (updated.length === 0) return updated;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return updated;
}
