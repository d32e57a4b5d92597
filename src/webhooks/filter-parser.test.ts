import { describe, expect, it } from 'vitest';
import { clickEnvelope as click } from '../../test/helpers/click-envelope.js';
import { evaluateFilter } from './filter-evaluator.js';
import { FilterSyntaxError, MAX_FILTER_LENGTH, MAX_FILTER_NESTING, parseFilterSource } from './filter-parser.js';

// Precedence, literals and limits are parser concerns; they are checked by what the parsed tree matches.
const matches = (source: string, envelope: unknown = click) => evaluateFilter(parseFilterSource(source), envelope);

function syntaxError(source: string): FilterSyntaxError {
  try {
    parseFilterSource(source);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterSyntaxError);
    return error as FilterSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to parse`);
}

describe('combining conditions', () => {
  it('and binds tighter than or', () => {
    // true or (false and false) = true; (true or false) and false would be false.
    expect(matches('type = link.clicked or data.click.bot = true and data.click.country = DE')).toBe(true);
    // (false and true) or true
    expect(matches('data.click.bot = true and type = link.clicked or data.click.qr = true')).toBe(true);
    // (false and true) or false
    expect(matches('data.click.bot = true and type = link.clicked or data.click.qr = false')).toBe(false);
  });

  it('parentheses override precedence', () => {
    expect(matches('(type = link.clicked or data.click.bot = true) and data.click.country = DE')).toBe(false);
    expect(matches('((((type = link.clicked))))')).toBe(true);
  });

  it('not negates the next condition or group', () => {
    expect(matches('not data.click.bot = true')).toBe(true);
    expect(matches('not (data.click.bot = false or data.click.qr = false)')).toBe(false);
    expect(matches('not data.click.bot = true and data.click.country = DE')).toBe(false);
    expect(matches('not not data.click.bot = false')).toBe(true);
    expect(matches('not not not data.click.bot = false')).toBe(false);
  });

  it('chains of and / or', () => {
    expect(matches('type = link.clicked and data.click.country = US and data.click.qr = true and data.link.clicks > 1')).toBe(true);
    expect(matches('type = a or type = b or type = c or type = link.clicked')).toBe(true);
    expect(matches('type = a or type = b or type = c')).toBe(false);
  });

  it('keywords are case-insensitive; literals true, false, null are lower case', () => {
    expect(matches('TYPE = link.clicked')).toBe(false); // paths are case-sensitive
    expect(matches('data.click.country IN [US] AND NOT data.click.bot = true OR type EXISTS')).toBe(true);
    expect(matches('data.click.bot = FALSE')).toBe(false);
    expect(matches('data.click.country Not In [DE]')).toBe(true);
  });

  it('country codes that look like keywords are values in value position', () => {
    expect(matches('data.click.country in [IN, NO, OR]', { data: { click: { country: 'IN' } } })).toBe(true);
    expect(matches('data.click.country = OR', { data: { click: { country: 'OR' } } })).toBe(true);
  });

  it('needs no whitespace around punctuation and symbolic operators', () => {
    expect(matches('(data.click.country=US)and(data.link.clicks>=1500)')).toBe(true);
    expect(matches('data.click.country in[US,CA]')).toBe(true);
  });
});

describe('values', () => {
  it('string escapes', () => {
    const envelope = { s: 'say "hi"\n\'there\'\\é/😀\t' };
    expect(matches(String.raw`s = "say \"hi\"\n'there'\\\u00e9\/😀\t"`, envelope)).toBe(true);
    expect(matches(String.raw`s = 'say "hi"\n\'there\'\\é/😀\t'`, envelope)).toBe(true);
  });

  it('unicode bare words', () => {
    expect(matches('city = Zürich', { city: 'Zürich' })).toBe(true);
    expect(matches('city in [São-Paulo, 東京]', { city: '東京' })).toBe(true);
  });

  it('number forms', () => {
    expect(matches('n = -0.5', { n: -0.5 })).toBe(true);
    expect(matches('n = 1e2', { n: 100 })).toBe(true);
    expect(matches('n = 01', { n: 1 })).toBe(false); // 01 is a word, not a number
    expect(matches('n = 01', { n: '01' })).toBe(true);
  });
});

describe('syntax errors', () => {
  it.each([
    ['', 0, /Expected a condition.*position 0.*end of the filter/],
    ['   ', 3, /Expected a condition/],
    ['data.click.country', 18, /Expected an operator \(=, !=.*position 18, found the end/],
    ['data.click.country US', 19, /Expected an operator.*found 'US'/],
    ['data.click.country =', 20, /Expected a value.*position 20/],
    ['data.click.country = [US]', 21, /Expected a value.*found '\['/],
    ['data.click.country in US', 22, /Expected '\[' to start a list.*found 'US'/],
    ['data.click.country in [US CA]', 26, /Expected ',' or '\]'.*found 'CA'/],
    ['data.click.country in [US,]', 26, /Expected a value.*found '\]'/],
    ['data.click.country in [US', 25, /Expected ',' or '\]'.*end of the filter/],
    ['data.click.country not = US', 23, /Expected 'in' or 'exists' after 'not'/],
    ['data.click.country == US', 20, /Expected a value.*found '='/],
    ['data.click.country ! US', 19, /Expected '!='/],
    ['a = 1 b = 2', 6, /Expected 'and', 'or' or the end.*found 'b'/],
    ['a = 1 and', 9, /Expected a condition/],
    ['a = 1 and or b = 2', 10, /Expected a condition.*found 'or'/],
    ['(a = 1', 6, /Expected '\)' to close the '\(' at position 0/],
    ['a = 1)', 5, /Unmatched '\)' at position 5/],
    ['() ', 1, /Expected a condition.*found '\)'/],
    ['a = "unterminated', 4, /Unterminated string starting at position 4/],
    ["a = 'bad \\q escape'", 9, /Unknown escape '\\q' at position 9/],
    ['a = "\\u12"', 5, /four hex digits/],
    ['a = @', 4, /Unexpected character "@" at position 4/],
    ['data..click = 1', 5, /Expected a field name at position 5/],
    ['.data = 1', 0, /Expected a field name at position 0/],
    ['data. = 1', 5, /Expected a field name at position 5/],
    ['1data = 1', 0, /Expected a field name/],
    ['"type" = x', 0, /Expected a condition.*found the string "type"/],
  ])('%j fails at %i', (source, position, message) => {
    const error = syntaxError(source);
    expect(error.position).toBe(position);
    expect(error.message).toMatch(message);
    expect(error.name).toBe('FilterSyntaxError');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects %s anywhere in a path', (key) => {
    expect(syntaxError(`${key} exists`).position).toBe(0);
    expect(syntaxError(`data.${key}.polluted = 1`).position).toBe(5);
    expect(syntaxError(`data.link.${key} exists`).message).toMatch(new RegExp(`'${key}' is not allowed`));
  });

  it('allows prototype-like words as values', () => {
    expect(matches('type in [__proto__, constructor]', { type: 'constructor' })).toBe(true);
  });

  it('rejects non-strings', () => {
    expect(() => parseFilterSource(42 as unknown as string)).toThrow(FilterSyntaxError);
  });
});

describe('limits and hostile input', () => {
  it(`rejects filters longer than ${MAX_FILTER_LENGTH} characters`, () => {
    const atLimit = 'type = ' + 'a'.repeat(MAX_FILTER_LENGTH - 7);
    expect(atLimit).toHaveLength(MAX_FILTER_LENGTH);
    expect(() => parseFilterSource(atLimit)).not.toThrow();
    const error = syntaxError(atLimit + 'a');
    expect(error.position).toBe(MAX_FILTER_LENGTH);
    expect(error.message).toMatch(/at most 2000 characters/);
    expect(syntaxError('x'.repeat(10_000_000)).position).toBe(MAX_FILTER_LENGTH);
  });

  it(`allows ${MAX_FILTER_NESTING} levels of parentheses and no more`, () => {
    const nested = (depth: number) => '('.repeat(depth) + 'type = link.clicked' + ')'.repeat(depth);
    expect(matches(nested(MAX_FILTER_NESTING))).toBe(true);
    const error = syntaxError(nested(MAX_FILTER_NESTING + 1));
    expect(error.position).toBe(MAX_FILTER_NESTING);
    expect(error.message).toMatch(/deeper than 16/);
    expect(syntaxError('('.repeat(1999)).message).toMatch(/deeper than 16/);
  });

  it('parses and evaluates the longest chains quickly without deep recursion', () => {
    const nots = 'not '.repeat(495) + 'type = x';
    expect(nots.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    expect(matches(nots)).toBe(true);
    const ors = Array.from({ length: 300 }, (_, i) => `a${i}=1`).join(' or ').slice(0, MAX_FILTER_LENGTH);
    const longOr = ors.slice(0, ors.lastIndexOf(' or '));
    const values = Array.from({ length: 600 }, (_, i) => `v${i}`).join(',').slice(0, 1960);
    const list = 'type in [' + values.slice(0, values.lastIndexOf(',')) + ',link.clicked]';
    expect(list.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    const started = performance.now();
    expect(matches(longOr)).toBe(false);
    expect(matches(list)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('stays fast on pathological strings', () => {
    const started = performance.now();
    for (const source of ['"' + '\\\\'.repeat(999), "'" + 'a'.repeat(1998), 'a'.repeat(2000), '['.repeat(2000), '= '.repeat(1000)]) {
      expect(() => parseFilterSource(source)).toThrow(FilterSyntaxError);
    }
    expect(performance.now() - started).toBeLessThan(500);
  });
});
