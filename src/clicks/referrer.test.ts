import { describe, expect, it } from 'vitest';
import { referrerDomain } from './referrer.js';

describe('referrerDomain', () => {
  it('returns the lower-case host without www.', () => {
    expect(referrerDomain('https://www.Google.com/search?q=linkwire')).toBe('google.com');
    expect(referrerDomain('http://News.YCombinator.com/item?id=1')).toBe('news.ycombinator.com');
    expect(referrerDomain('https://t.co/abc')).toBe('t.co');
  });

  it('drops ports, credentials and a trailing root dot', () => {
    expect(referrerDomain('https://user:pw@example.com:8443/x')).toBe('example.com');
    expect(referrerDomain('https://www.example.com./')).toBe('example.com');
  });

  it('only strips a leading www. label', () => {
    expect(referrerDomain('https://wwwexample.com/')).toBe('wwwexample.com');
    expect(referrerDomain('https://shop.www.example.com/')).toBe('shop.www.example.com');
  });

  it('returns IDN hosts in their ASCII (punycode) form', () => {
    expect(referrerDomain('https://www.bücher.de/')).toBe('xn--bcher-kva.de');
  });

  it('is null for missing, invalid and non-http(s) referrers', () => {
    expect(referrerDomain(undefined)).toBeNull();
    expect(referrerDomain(null)).toBeNull();
    expect(referrerDomain('')).toBeNull();
    expect(referrerDomain('not a url')).toBeNull();
    expect(referrerDomain('example.com/path')).toBeNull();
    expect(referrerDomain('android-app://com.google.android.gm/')).toBeNull();
    expect(referrerDomain('ftp://files.example.com/')).toBeNull();
    expect(referrerDomain('javascript:alert(1)')).toBeNull();
  });
});
