/*
 * The webhook filter language's evaluator (docs/webhook-filters.md): whether an event envelope
 * satisfies a parsed filter (filter-parser.ts). Never throws; a missing path never matches.
 */

import type { ComparisonOperator, FilterNode, FilterValue } from './filter-parser.js';

const MISSING = Symbol('missing');

/** Whether the envelope satisfies the syntax tree. */
export function evaluateFilter(node: FilterNode, envelope: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return node.operands.every((operand) => evaluateFilter(operand, envelope));
    case 'or':
      return node.operands.some((operand) => evaluateFilter(operand, envelope));
    case 'not':
      return !evaluateFilter(node.operand, envelope);
    case 'exists': {
      const field = resolve(envelope, node.path);
      const exists = field !== MISSING && field !== null;
      return node.negated ? !exists : exists;
    }
  }
  const field = resolve(envelope, node.path);
  if (field === MISSING) return false;
  switch (node.kind) {
    case 'compare':
      return compare(field, node.op, node.value);
    case 'in': {
      const candidates = Array.isArray(field) ? field : [field];
      const found = candidates.some((candidate) => node.values.some((value) => equals(candidate, value)));
      return node.negated ? !found : found;
    }
    case 'contains':
      return contains(field, node.value);
  }
}

// Own data properties only: inherited members and getters are invisible to filters.
function resolve(envelope: unknown, path: readonly string[]): unknown {
  let current: unknown = envelope;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return MISSING;
    const descriptor = Object.getOwnPropertyDescriptor(current, segment);
    if (descriptor === undefined || !('value' in descriptor)) return MISSING;
    current = descriptor.value;
  }
  return current === undefined ? MISSING : current;
}

function equals(field: unknown, value: FilterValue): boolean {
  switch (value.kind) {
    case 'string':
    case 'word':
      return field === value.value;
    case 'number':
      // An unquoted number also matches a string field holding that text (query params, tags).
      return field === value.value || field === value.text;
    case 'boolean':
      return field === value.value;
    case 'null':
      return field === null;
  }
}

function compare(field: unknown, op: ComparisonOperator, value: FilterValue): boolean {
  if (op === '=') return equals(field, value);
  if (op === '!=') return !equals(field, value);
  let left: number | string;
  let right: number | string;
  if (typeof field === 'number' && value.kind === 'number') {
    [left, right] = [field, value.value];
  } else if (typeof field === 'string' && (value.kind === 'string' || value.kind === 'word')) {
    [left, right] = [field, value.value];
  } else {
    return false;
  }
  switch (op) {
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
  }
}

function contains(field: unknown, value: FilterValue): boolean {
  if (Array.isArray(field)) return field.some((element) => equals(element, value));
  if (typeof field !== 'string') return false;
  if (value.kind === 'string' || value.kind === 'word') return field.includes(value.value);
  if (value.kind === 'number') return field.includes(value.text);
  return false;
}
