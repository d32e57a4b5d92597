import { describe, expect, it } from 'vitest';
import { attemptOutcomeLabel } from './attempt-outcome.js';

describe('attemptOutcomeLabel', () => {
  it('names success, the status class, or why no answer came', () => {
    expect(attemptOutcomeLabel(true, 204, null, null)).toBe('success');
    expect(attemptOutcomeLabel(false, 302, null, null)).toBe('http_3xx');
    expect(attemptOutcomeLabel(false, 429, null, null)).toBe('http_4xx');
    expect(attemptOutcomeLabel(false, 503, null, null)).toBe('http_5xx');
    expect(attemptOutcomeLabel(false, 200, 'timeout', 'timeout')).toBe('timeout'); // the body never finished
    expect(attemptOutcomeLabel(false, null, 'blocked', 'blocked: 10.0.0.1 is private')).toBe('ssrf_blocked');
    expect(attemptOutcomeLabel(false, null, 'dns', 'dns: ENOTFOUND')).toBe('dns');
    expect(attemptOutcomeLabel(false, null, 'connect', 'connect: connect ECONNREFUSED 127.0.0.1:9')).toBe('refused');
    expect(attemptOutcomeLabel(false, null, 'connect', 'connect: socket hang up ECONNRESET')).toBe('connection_error');
    expect(attemptOutcomeLabel(false, null, 'tls', 'tls: self-signed certificate')).toBe('tls');
    expect(attemptOutcomeLabel(false, null, 'protocol', 'protocol: bad header')).toBe('protocol_error');
  });
});
