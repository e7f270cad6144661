import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, RnnkitError } from '../errors.js';

/**
 * Seeded generator used for initialization, dropout masks and shuffling. It runs on the host,
 * so the same seed gives the same numbers whichever backend the model lives on.
 */
export class Rng {
  private readonly gen: ReturnType<typeof xoroshiro128plus>;
  constructor(seed: number) {
    if (typeof seed !== 'number') throw new RnnkitError('INVALID_ARGUMENT', `seed: expected a number, got ${describe(seed)}`, { argument: 'seed' });
    this.gen = xoroshiro128plus(seed | 0);
  }
  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return uniformFloat64(this.gen);
  }
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** A child generator whose stream depends on this one's next draw (for independent substreams). */
  fork(): Rng {
    return new Rng(Math.floor(this.uniform() * 0x7fffffff));
  }
}
