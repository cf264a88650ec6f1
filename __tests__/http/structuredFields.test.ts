import {
  serializeSfByteSequence,
  serializeSfInteger,
  serializeSfList,
  serializeSfString,
} from '../../src/http/index.js';

describe('structured field serialisation (RFC 9651)', () => {
  it('quotes strings and escapes only " and \\', () => {
    expect(serializeSfString('daily')).toBe('"daily"');
    expect(serializeSfString('a"b\\c d')).toBe('"a\\"b\\\\c d"');
  });

  it('rejects strings a String item cannot carry', () => {
    expect(() => serializeSfString('café')).toThrow(TypeError);
    expect(() => serializeSfString('tab\there')).toThrow('printable ASCII');
  });

  it('writes integers of up to 15 digits and refuses others', () => {
    expect(serializeSfInteger(0)).toBe('0');
    expect(serializeSfInteger(-0)).toBe('0');
    expect(serializeSfInteger(999_999_999_999_999)).toBe('999999999999999');
    expect(() => serializeSfInteger(1_000_000_000_000_000)).toThrow(TypeError);
    expect(() => serializeSfInteger(1.5)).toThrow(TypeError);
  });

  it('writes byte sequences as :base64:, honouring a view into a larger buffer', () => {
    expect(serializeSfByteSequence(Uint8Array.from([0xde, 0xad, 0xbe, 0xef]))).toBe(':3q2+7w==:');
    const view = Uint8Array.from([0, 1, 2, 3, 4]).subarray(1, 3);
    expect(serializeSfByteSequence(view)).toBe(':AQI=:');
  });

  it('joins list members with ", " and parameters in order', () => {
    expect(
      serializeSfList([
        {
          value: 'burst',
          params: [
            ['q', 100],
            ['w', 60],
          ],
        },
        {
          value: 'daily',
          params: [
            ['q', 1000],
            ['qu', 'requests'],
            ['pk', Uint8Array.from([1])],
          ],
        },
      ]),
    ).toBe('"burst";q=100;w=60, "daily";q=1000;qu="requests";pk=:AQ==:');
  });

  it('refuses a parameter key outside the RFC key grammar', () => {
    expect(() => serializeSfList([{ value: 'x', params: [['Q', 1]] }])).toThrow('parameter key');
  });
});
