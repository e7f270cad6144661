/** Timing one operation: warm-up runs, then repeats until the count or the time budget is reached. */

export interface TimingStats {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Timed runs after warm-up (fewer than asked when the budget ran out). */
  repeats: number;
  warmup: number;
  samplesMs: number[];
}

export interface TimingOptions {
  warmup: number;
  repeats: number;
  /** Once the timed runs add up to this, stop (one timed run is always kept). */
  budgetMs: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(samples: number[], warmup: number): TimingStats {
  return { medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples), repeats: samples.length, warmup, samplesMs: samples };
}

export async function measure(run: () => Promise<void> | void, o: TimingOptions): Promise<TimingStats> {
  let warm = 0;
  for (let i = 0; i < o.warmup; i++) {
    const t0 = performance.now();
    await run();
    warm++;
    // A warm-up that alone eats the budget is enough warming.
    if (performance.now() - t0 > o.budgetMs / 2) break;
  }
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < Math.max(1, o.repeats)) {
    const t0 = performance.now();
    await run();
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
    if (spent >= o.budgetMs) break;
  }
  return summarize(samples, warm);
}
