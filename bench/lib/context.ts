import type { Dialect } from './databases.js';
import type { LoadTool } from './http-load.js';
import type { Row, ScenarioResult, Verdict } from './results.js';

export interface BenchContext {
  quick: boolean;
  dialect: Dialect;
  tool: LoadTool;
  /** When set, Linkwire processes write V8 CPU profiles here. */
  profileDir: string | null;
  /** Backlog sizes for the scale scenario, as multiples of its base (1 000 events). */
  scaleFactors: number[];
  /** The scale scenario skips a size whose estimated run time exceeds this. */
  scaleBudgetS: number;
}

/** Collects one scenario's rows, notes and raw figures. */
export class ScenarioReport {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  readonly details: Record<string, unknown> = {};

  constructor(
    readonly id: string,
    readonly title: string,
    readonly ctx: BenchContext,
  ) {}

  row(metric: string, linkwire: string, baseline: string, target: string, result: Verdict): void {
    this.rows.push({ dialect: this.ctx.dialect, scenario: this.title, metric, linkwire, baseline, target, result });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  result(error: string | null, seconds: number): ScenarioResult {
    return { id: this.id, title: this.title, dialect: this.ctx.dialect, rows: this.rows, notes: this.notes, details: this.details, error, seconds };
  }
}

export const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

export interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext, report: ScenarioReport): Promise<void>;
}
