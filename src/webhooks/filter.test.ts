import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, MAX_FILTER_LENGTH, MAX_FILTER_NESTING, matchesFilter, parseFilter } from './filter.js';

const click = {
  id: 'evt_1',
  type: 'link.clicked',
  timestamp: '2026-01-15T10:30:00.000Z',
  workspace_id: 'ws_1',
  data: {
    link: { id: 'lnk_1', slug: 'abc', url: 'https://example.com/pricing', title: 'Pricing', tags: ['x', 'launch', '2024'], clicks: 1500 },
    click: {
      country: 'US',
      city: null,
      is_eu_country: false,
      device: 'desktop',
      browser: 'Chrome',
      bot: false,
      bot_name: null,
      qr: true,
      referrer_domain: 'news.ycombinator.com',
      params: { utm_id: '42', ref: 'a-b.c' },
    },
  },
};

const matches = (source: string, envelope: unknown = click) => matchesFilter(parseFilter(source), envelope);

function syntaxError(source: string): FilterSyntaxError {
  try {
    parseFilter(source);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterSyntaxError);
    return error as FilterSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to parse`);
}

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

describe('comparison operators', () => {
  it('= and != on strings, bare or quoted', () => {
    expect(matches('type = link.clicked')).toBe(true);
    expect(matches("type = 'link.clicked'")).toBe(true);
    expect(matches('type = "link.created"')).toBe(false);
    expect(matches('type != link.created')).toBe(true);
    expect(matches('type != link.clicked')).toBe(false);
    expect(matches('data.click.params.ref = a-b.c')).toBe(true);
  });

  it('= is strict about type', () => {
    expect(matches("data.click.bot = 'false'")).toBe(false);
    expect(matches('data.click.bot = 0')).toBe(false);
    expect(matches('data.link.clicks = "1500"')).toBe(false);
    expect(matches('data.link.clicks = 1500')).toBe(true);
    expect(matches('data.link.clicks = 1.5e3')).toBe(true);
    expect(matches('data.click.qr = true')).toBe(true);
    expect(matches('data.click.bot != true')).toBe(true);
  });

  it('an unquoted number also matches a string field holding that text', () => {
    expect(matches('data.click.params.utm_id = 42')).toBe(true);
    expect(matches("data.click.params.utm_id = '42'")).toBe(true);
    expect(matches('data.click.params.utm_id = 42.0')).toBe(false);
  });

  it('= null matches null, and null is not missing', () => {
    expect(matches('data.click.city = null')).toBe(true);
    expect(matches('data.click.country = null')).toBe(false);
    expect(matches('data.click.city != US')).toBe(true);
  });

  it('> >= < <= on numbers', () => {
    expect(matches('data.link.clicks > 1000')).toBe(true);
    expect(matches('data.link.clicks > 1500')).toBe(false);
    expect(matches('data.link.clicks >= 1500')).toBe(true);
    expect(matches('data.link.clicks < 1500')).toBe(false);
    expect(matches('data.link.clicks <= 1500')).toBe(true);
    expect(matches('data.link.clicks > -1')).toBe(true);
    expect(matches('data.link.clicks < 2.5e3')).toBe(true);
  });

  it('> >= < <= compare strings as strings, so ISO timestamps order correctly', () => {
    expect(matches('timestamp >= 2026-01-01')).toBe(true);
    expect(matches('timestamp < "2026-01-15T10:30:00.001Z"')).toBe(true);
    expect(matches('timestamp > 2026-02')).toBe(false);
    expect(matches('data.click.country < ZZ')).toBe(true);
  });

  it('ordering across types never matches', () => {
    expect(matches('data.link.clicks > "1000"')).toBe(false);
    expect(matches('data.click.params.utm_id > 1')).toBe(false);
    expect(matches('data.click.bot < true')).toBe(false);
    expect(matches('data.click.city < 1')).toBe(false);
    expect(matches('data.link.tags > a')).toBe(false);
  });

  it('in and not in', () => {
    expect(matches('data.click.country in [US]')).toBe(true);
    expect(matches("data.click.country in ['us', \"CA\"]")).toBe(false);
    expect(matches('data.click.country not in [DE, FR]')).toBe(true);
    expect(matches('data.click.country not in [US, FR]')).toBe(false);
    expect(matches('data.click.country in []')).toBe(false);
    expect(matches('data.click.country not in []')).toBe(true);
    expect(matches('data.link.clicks in [1, 1500, 3]')).toBe(true);
    expect(matches('data.click.city in [null, Paris]')).toBe(true);
    expect(matches('data.click.bot in [false]')).toBe(true);
  });

  it('in on an array field means they share an element', () => {
    expect(matches('data.link.tags in [launch, promo]')).toBe(true);
    expect(matches('data.link.tags in [promo, sale]')).toBe(false);
    expect(matches('data.link.tags not in [promo, sale]')).toBe(true);
    expect(matches('data.link.tags not in [x]')).toBe(false);
  });

  it('contains on arrays and strings', () => {
    expect(matches('data.link.tags contains launch')).toBe(true);
    expect(matches('data.link.tags contains 2024')).toBe(true);
    expect(matches('data.link.tags contains lau')).toBe(false);
    expect(matches('data.link.url contains pricing')).toBe(true);
    expect(matches('data.link.url contains "example.com/"')).toBe(true);
    expect(matches('data.link.url contains Pricing')).toBe(false);
    expect(matches('data.click.referrer_domain contains ycombinator')).toBe(true);
    expect(matches('data.link.clicks contains 1')).toBe(false);
    expect(matches('data.click.country contains true')).toBe(false);
    expect(matches('data.link.url contains ""')).toBe(true);
  });

  it('exists and not exists', () => {
    expect(matches('data.click.country exists')).toBe(true);
    expect(matches('data.click.bot exists')).toBe(true);
    expect(matches('data.click.city exists')).toBe(false);
    expect(matches('data.click.region exists')).toBe(false);
    expect(matches('data.click.city not exists')).toBe(true);
    expect(matches('data.click.region not exists')).toBe(true);
    expect(matches('data.click.country not exists')).toBe(false);
    expect(matches('data.link.tags.length exists')).toBe(true);
  });

  it('reads array elements and lengths by path', () => {
    expect(matches('data.link.tags.0 = x')).toBe(true);
    expect(matches('data.link.tags.length >= 3')).toBe(true);
    expect(matches('data.link.tags.9 exists')).toBe(false);
  });
});

describe('missing paths', () => {
  it.each([
    'data.click.region = US',
    'data.click.region != US',
    'data.click.region > 1',
    'data.click.region in [US]',
    'data.click.region not in [US]',
    'data.click.region contains x',
    'data.click.region exists',
    'data.nothing.deeper.still = 1',
    'type.length > 0',
    'data.click.country.0 = U',
  ])('%s never matches', (source) => {
    expect(matches(source)).toBe(false);
  });

  it('but not of a missing path is true', () => {
    expect(matches('not data.click.region = US')).toBe(true);
  });

  it.each([null, undefined, 42, 'text', [], true])('evaluates safely against %j', (envelope) => {
    expect(matchesFilter(parseFilter('data.click.country = US'), envelope)).toBe(false);
    expect(matchesFilter(parseFilter('data.click.country not exists'), envelope)).toBe(true);
  });

  it('ignores inherited properties and does not invoke getters', () => {
    let called = false;
    const envelope = Object.create({ inherited: 1 }) as Record<string, unknown>;
    Object.defineProperty(envelope, 'trap', {
      get() {
        called = true;
        throw new Error('getter ran');
      },
      enumerable: true,
    });
    expect(matches('inherited = 1', envelope)).toBe(false);
    expect(matches('trap exists', envelope)).toBe(false);
    expect(matches('toString exists', envelope)).toBe(false);
    expect(matches('hasOwnProperty exists', {})).toBe(false);
    expect(called).toBe(false);
  });
});

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
    expect(() => parseFilter(42 as unknown as string)).toThrow(FilterSyntaxError);
  });
});

describe('limits and hostile input', () => {
  it(`rejects filters longer than ${MAX_FILTER_LENGTH} characters`, () => {
    const atLimit = 'type = ' + 'a'.repeat(MAX_FILTER_LENGTH - 7);
    expect(atLimit).toHaveLength(MAX_FILTER_LENGTH);
    expect(() => parseFilter(atLimit)).not.toThrow();
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
      expect(() => parseFilter(source)).toThrow(FilterSyntaxError);
    }
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('does not pollute prototypes when matching JSON with a __proto__ key', () => {
    const envelope = JSON.parse('{"__proto__": {"polluted": true}, "data": {"x": 1}}') as unknown;
    expect(matches('polluted exists', envelope)).toBe(false);
    expect(matches('data.x = 1', envelope)).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('handles huge and deeply nested envelopes', () => {
    let deep: unknown = { leaf: 1 };
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    expect(matches('a.a.a.a.a exists', deep)).toBe(true);
    const tags = Array.from({ length: 100_000 }, (_, i) => `t${i}`);
    expect(matches('data.tags contains t99999', { data: { tags } })).toBe(true);
  });
});
