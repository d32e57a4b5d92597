import { describe, expect, it } from 'vitest';
import { withClickId } from './click-id-param.js';

describe('withClickId', () => {
  it.each([
    ['https://shop.example/', 'https://shop.example/?lw_click_id=clk_1'],
    ['https://shop.example/p?a=1', 'https://shop.example/p?a=1&lw_click_id=clk_1'],
    ['https://shop.example/p?a=1#top', 'https://shop.example/p?a=1&lw_click_id=clk_1#top'],
    ['https://shop.example/p#top', 'https://shop.example/p?lw_click_id=clk_1#top'],
    ['https://shop.example/p?a=%20b+c&lw_click_id=forged&z=2', 'https://shop.example/p?a=%20b+c&z=2&lw_click_id=clk_1'],
    ['https://shop.example/p?lw_click_id=forged', 'https://shop.example/p?lw_click_id=clk_1'],
  ])('%s → %s', (destination, expected) => {
    expect(withClickId(destination, 'clk_1')).toBe(expected);
  });
});
