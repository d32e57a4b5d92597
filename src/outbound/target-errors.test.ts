import { describe, expect, it } from 'vitest';
import { classifyTargetError, failedBeforeSending } from './target-errors.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyTargetError', () => {
  it.each([
    [new DOMException('signal timed out', 'TimeoutError'), 'timeout'],
    [coded('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    [coded('UND_ERR_CONNECT_TIMEOUT'), 'timeout'],
    [coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    [coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls'],
    [coded('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    [coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
    [coded('EPROTO', 'SSL routines::unexpected eof'), 'tls'],
    [coded('ECONNREFUSED'), 'connect'],
    [coded('ECONNRESET'), 'connect'],
    [coded('UND_ERR_SOCKET'), 'connect'],
    [new Error('wrapper', { cause: coded('ECONNREFUSED') }), 'connect'],
    [new AggregateError([coded('ENETUNREACH')], 'all failed'), 'connect'],
    [coded('HPE_INVALID_CONSTANT', 'Expected HTTP/'), 'protocol'],
    ['a string', 'protocol'],
  ])('%s → %s', (err, kind) => {
    expect(classifyTargetError(err).kind).toBe(kind);
  });

  it('knows which failures sent nothing', () => {
    expect(failedBeforeSending(coded('ECONNREFUSED'))).toBe(true);
    expect(failedBeforeSending(new Error('x', { cause: coded('EHOSTUNREACH') }))).toBe(true);
    expect(failedBeforeSending(coded('ECONNRESET'))).toBe(false);
    expect(failedBeforeSending(coded('UND_ERR_HEADERS_TIMEOUT'))).toBe(false);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyTargetError(a).kind).toBe('protocol');
  });
});
