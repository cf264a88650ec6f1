import { exposeHeadersValue } from '../../src/http/index.js';

describe('exposeHeadersValue', () => {
  const fields = [
    ['x-rate-limit-remaining', '95'],
    ['ratelimit', '"hourly";r=95;t=2980'],
    ['retry-after', '60'],
  ] as const;

  it('lists each quota header name once', () => {
    expect(exposeHeadersValue(fields)).toBe('x-rate-limit-remaining, ratelimit, retry-after');
  });

  it('keeps what is already exposed and skips names it already lists, whatever their case', () => {
    expect(exposeHeadersValue(fields, 'X-Request-Id, RateLimit')).toBe(
      'X-Request-Id, RateLimit, x-rate-limit-remaining, retry-after',
    );
  });

  it('keeps a wildcard and still lists the names (a wildcard exposes nothing on credentialed requests)', () => {
    expect(exposeHeadersValue(fields, '*')).toBe('*, x-rate-limit-remaining, ratelimit, retry-after');
  });

  it('adds nothing when there are no quota headers', () => {
    expect(exposeHeadersValue([], 'x-request-id')).toBeNull();
    expect(exposeHeadersValue([])).toBeNull();
  });
});
