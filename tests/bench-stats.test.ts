import { describe, expect, it } from 'vitest';
import { median, percentile } from '../scripts/bench/lib/stats.js';

describe('bench statistics', () => {
  it('median: the middle value, or the mean of the two middle ones, whatever the order given', () => {
    expect(median([0.9, 0.8, 0.95])).toBe(0.9);
    expect(median([0.97, 0.81, 0.92, 0.83])).toBeCloseTo(0.875);
    expect(median([1])).toBe(1);
    expect(median([])).toBeNaN();
  });

  it('percentile: nearest rank of sorted values', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });
});
