/**
 * Timing one operation: warm-up, then timed repeats. Both have a count and a time floor: a
 * JIT's optimizing tier (V8's TurboFan for JS and WebAssembly, compiled in the background once
 * a function is hot) arrives after some milliseconds of running, not after some number of
 * calls, so a 1 ms operation warmed by one call would be timed on its baseline code; and a fast
 * operation gets more samples for its median. The budget caps both.
 */

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
  /** At least this many warm-up runs… */
  warmup: number;
  /** …and warm-up until this much time has gone by (at most half the budget). */
  warmupMs: number;
  /** At least this many timed runs… */
  repeats: number;
  /** …and timed runs until they add up to this much (at most MAX_SAMPLES of them). */
  minMs: number;
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

/** Timed runs of one measurement never exceed this many. */
export const MAX_SAMPLES = 200;

export async function measure(run: () => Promise<void> | void, o: TimingOptions): Promise<TimingStats> {
  let warm = 0;
  let warmSpent = 0;
  // A warm-up that eats half the budget is enough warming.
  while ((warm < o.warmup || warmSpent < o.warmupMs) && warmSpent < o.budgetMs / 2) {
    const t0 = performance.now();
    await run();
    warm++;
    warmSpent += performance.now() - t0;
  }
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < Math.max(1, o.repeats) || (spent < o.minMs && samples.length < MAX_SAMPLES)) {
    const t0 = performance.now();
    await run();
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
    if (spent >= o.budgetMs) break;
  }
  return summarize(samples, warm);
}
