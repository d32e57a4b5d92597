import { describe, expect, it } from 'vitest';
import { clickEnvelope as click } from '../../test/helpers/click-envelope.js';
import { matchesFilter, parseFilter } from './filter.js';

// The public entry end to end: parseFilter (filter-parser.ts) + matchesFilter (filter-evaluator.ts).
const matches = (source: string, envelope: unknown = click) => matchesFilter(parseFilter(source), envelope);

describe('the documented examples (docs/webhooks.md, filter)', () => {
  it('data.click.country in [US, CA]', () => {
    expect(matches('data.click.country in [US, CA]')).toBe(true);
    expect(matches('data.click.country in [US, CA]', { data: { click: { country: 'CA' } } })).toBe(true);
    expect(matches('data.click.country in [US, CA]', { data: { click: { country: 'DE' } } })).toBe(false);
  });

  it('data.click.bot = false', () => {
    expect(matches('data.click.bot = false')).toBe(true);
    expect(matches('data.click.bot = false', { data: { click: { bot: true } } })).toBe(false);
  });

  it('data.link.tags contains x', () => {
    expect(matches('data.link.tags contains x')).toBe(true);
    expect(matches('data.link.tags contains y')).toBe(false);
  });
});

describe('the parsed filter', () => {
  it('keeps its source and a plain AST', () => {
    const filter = parseFilter('data.click.country in [US, CA] and not data.click.bot = true');
    expect(filter.source).toBe('data.click.country in [US, CA] and not data.click.bot = true');
    expect(Object.isFrozen(filter)).toBe(true);
    expect(filter.root).toEqual({
      kind: 'and',
      operands: [
        {
          kind: 'in',
          path: ['data', 'click', 'country'],
          values: [
            { kind: 'word', value: 'US' },
            { kind: 'word', value: 'CA' },
          ],
          negated: false,
        },
        { kind: 'not', operand: { kind: 'compare', path: ['data', 'click', 'bot'], op: '=', value: { kind: 'boolean', value: true } } },
      ],
    });
  });

  it('is reusable across envelopes', () => {
    const filter = parseFilter('data.click.country = US');
    expect(matchesFilter(filter, click)).toBe(true);
    expect(matchesFilter(filter, { data: { click: { country: 'FR' } } })).toBe(false);
    expect(matchesFilter(filter, click)).toBe(true);
  });
});
