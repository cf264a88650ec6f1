import { toPoints } from '../../src/cost/index.js';

const GITHUB = { divisor: 100, rounding: 'round', minimum: 1 } as const;

describe('toPoints', () => {
  test("GitHub's published worked example: 5,101 requests → 51 points", () => {
    expect(toPoints(5101, GITHUB)).toBe(51);
  });
  test('GitHub: rounding half up, minimum 1', () => {
    expect(toPoints(150, GITHUB)).toBe(2);
    expect(toPoints(149, GITHUB)).toBe(1);
    expect(toPoints(1, GITHUB)).toBe(1);
    expect(toPoints(0, GITHUB)).toBe(1);
  });
  test('ceil and floor; the identity by default', () => {
    expect(toPoints(101, { divisor: 100, rounding: 'ceil' })).toBe(2);
    expect(toPoints(199, { divisor: 100, rounding: 'floor' })).toBe(1);
    expect(toPoints(37)).toBe(37);
  });
  test('a saturated total stays saturated', () => {
    expect(toPoints(Number.MAX_SAFE_INTEGER, GITHUB)).toBe(Number.MAX_SAFE_INTEGER);
  });
  test('bad scales are TypeErrors', () => {
    expect(() => toPoints(1, { divisor: 0 })).toThrow(
      'PointsScale.divisor must be a positive finite number, got 0',
    );
    expect(() => toPoints(1, { minimum: -1 })).toThrow(
      'PointsScale.minimum must be a non-negative integer, got -1',
    );
  });
});
