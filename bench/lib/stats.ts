/** Nearest-rank percentile of already sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Distribution {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One-sided 95% bounds of a rate seen `k` times in `n` (Wilson score interval, z = 1.645): NaN for n = 0. With
 * k = 0 the upper one is z²/(n + z²): n ≥ 268 to bound a rate under 1%. Messages caught in one stall fail
 * together, so the true uncertainty is wider than this binomial one; the stalls met are reported beside it.
 */
export function wilsonBounds(k: number, n: number, z = 1.645): { lower: number; upper: number } {
  if (n <= 0) return { lower: NaN, upper: NaN };
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return {
    lower: Math.max(0, (centre - spread) / (1 + z2 / n)),
    upper: Math.min(1, (centre + spread) / (1 + z2 / n)),
  };
}

/** The upper one of {@link wilsonBounds}. */
export const wilsonUpper = (k: number, n: number): number => wilsonBounds(k, n).upper;
