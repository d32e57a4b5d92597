/*
 * The webhook filter language (docs/webhook-filters.md): conditions on the event envelope,
 * combined with and/or/not. The public entry: parse once (filter-parser.ts), then match many
 * envelopes (filter-evaluator.ts).
 */

import { evaluateFilter } from './filter-evaluator.js';
import { parseFilterSource, type FilterNode } from './filter-parser.js';

export interface Filter {
  readonly source: string;
  readonly root: FilterNode;
}

/** Parses a filter; throws FilterSyntaxError naming the position and what was expected. */
export function parseFilter(source: string): Filter {
  const root = parseFilterSource(source);
  return Object.freeze({ source, root });
}

/** Whether the envelope satisfies the filter. Never throws; a missing path never matches. */
export function matchesFilter(filter: Filter, envelope: unknown): boolean {
  return evaluateFilter(filter.root, envelope);
}
