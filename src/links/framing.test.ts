import { describe, expect, it } from 'vitest';
import { framingRefusal } from './framing.js';

const US = 'https://lw.example';

describe('framingRefusal', () => {
  it.each([
    [{}, null],
    [{ 'x-frame-options': 'DENY' }, 'it sends X-Frame-Options: DENY'],
    [{ 'x-frame-options': 'sameorigin' }, 'it sends X-Frame-Options: SAMEORIGIN'],
    [{ 'x-frame-options': 'ALLOW-FROM https://lw.example' }, null],
    [{ 'content-security-policy': "default-src 'self'" }, null],
    [{ 'content-security-policy': "frame-ancestors 'none'" }, "its Content-Security-Policy says frame-ancestors 'none'"],
    [{ 'content-security-policy': "frame-ancestors 'self'" }, "its Content-Security-Policy says frame-ancestors 'self'"],
    [{ 'content-security-policy': 'frame-ancestors *' }, null],
    [{ 'content-security-policy': 'frame-ancestors https:' }, null],
    [{ 'content-security-policy': 'frame-ancestors https://lw.example' }, null],
    [{ 'content-security-policy': 'frame-ancestors https://*.example' }, null],
    [{ 'content-security-policy': 'frame-ancestors https://lw.example:8443' }, 'its Content-Security-Policy says frame-ancestors https://lw.example:8443'],
    [{ 'content-security-policy': 'frame-ancestors https://other.example' }, 'its Content-Security-Policy says frame-ancestors https://other.example'],
    [{ 'content-security-policy': 'frame-ancestors *, frame-ancestors \'none\'' }, "its Content-Security-Policy says frame-ancestors 'none'"],
  ])('%j → %s', (headers, expected) => {
    expect(framingRefusal(headers, US)).toBe(expected);
  });
});
