import { describe, expect, it } from 'vitest';
import { createIdSource, idLowerBound } from './ids.js';

const ID = /^clk_[0-9a-hjkmnp-tv-z]{26}$/;

describe('createIdSource', () => {
  it('makes prefixed ids that sort by time, and in creation order within one millisecond', () => {
    let time = Date.UTC(2026, 0, 1);
    const ids = createIdSource(() => time);
    const made: string[] = [];
    for (let ms = 0; ms < 50; ms++) {
      for (let i = 0; i < 40; i++) made.push(ids.next('clk'));
      time += ms % 3; // some milliseconds repeat
    }
    for (const id of made) expect(id).toMatch(ID);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    expect(made[0]! >= idLowerBound('clk', Date.UTC(2026, 0, 1))).toBe(true);
    expect(made[0]! < idLowerBound('clk', Date.UTC(2026, 0, 1) + 1)).toBe(true);
  });

  it('draws fresh random parts for each millisecond, also across its random pool refills', () => {
    let time = 1_700_000_000_000;
    const ids = createIdSource(() => time++);
    const randomParts = new Set<string>();
    for (let i = 0; i < 2_000; i++) randomParts.add(ids.next('evt').slice(-16));
    expect(randomParts.size).toBe(2_000);
  });

  it('two sources at the same millisecond do not collide', () => {
    const a = createIdSource(() => 1_700_000_000_000);
    const b = createIdSource(() => 1_700_000_000_000);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      seen.add(a.next('dlv'));
      seen.add(b.next('dlv'));
    }
    expect(seen.size).toBe(1_000);
  });
});
