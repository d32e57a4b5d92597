import { describe, expect, it } from 'vitest';
import { clickEnvelope as click } from '../../test/helpers/click-envelope.js';
import { evaluateFilter } from './filter-evaluator.js';
import { parseFilterSource } from './filter-parser.js';

const matches = (source: string, envelope: unknown = click) => evaluateFilter(parseFilterSource(source), envelope);

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
    expect(evaluateFilter(parseFilterSource('data.click.country = US'), envelope)).toBe(false);
    expect(evaluateFilter(parseFilterSource('data.click.country not exists'), envelope)).toBe(true);
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

describe('limits and hostile input', () => {
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
