import { UNKNOWN_API_KEY, identifyByApiKey, type QuotaRequest } from '../../src/lifecycle/index.js';

/** A request carrying only the headers `identifyByApiKey` reads. */
function requestWith(headers: Record<string, string>): QuotaRequest {
  return { headers: new Map(Object.entries(headers)), context: {} };
}

describe('identifyByApiKey', () => {
  // Regression: every request compared the presented key with every known key (~0.9 ms at 10,000 keys).
  const keys = new Map(
    Array.from({ length: 10_000 }, (_, i) => [`key-${i}-${'x'.repeat(24)}`, `client-${i}`]),
  );
  const identify = identifyByApiKey(keys);

  it('finds any key of a large table, first or last', () => {
    expect(identify(requestWith({ 'x-api-key': `key-0-${'x'.repeat(24)}` }))).toBe('client-0');
    expect(identify(requestWith({ 'x-api-key': `key-9999-${'x'.repeat(24)}` }))).toBe('client-9999');
  });

  it('is anonymous for a missing or empty key, UNKNOWN_API_KEY for a near-miss or differently cased key', () => {
    expect(identify(requestWith({}))).toBeNull();
    expect(identify(requestWith({ 'x-api-key': '' }))).toBeNull();
    expect(identify(requestWith({ 'x-api-key': `key-9999-${'x'.repeat(23)}` }))).toBe(UNKNOWN_API_KEY);
    expect(identify(requestWith({ 'x-api-key': `KEY-9999-${'x'.repeat(24)}` }))).toBe(UNKNOWN_API_KEY);
  });

  it('reads the header it is given, from a plain object table too; an empty key in the table matches nothing', () => {
    const byToken = identifyByApiKey({ 'secret-1': 'acme', '': 'nobody' }, 'X-Partner-Token');
    expect(byToken(requestWith({ 'x-partner-token': 'secret-1' }))).toBe('acme');
    expect(byToken(requestWith({ 'x-api-key': 'secret-1' }))).toBeNull();
    expect(byToken(requestWith({ 'x-partner-token': 'secret-2' }))).toBe(UNKNOWN_API_KEY);
    expect(byToken(requestWith({ 'x-partner-token': '' }))).toBeNull();
  });
});
