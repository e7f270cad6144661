import type { Tensor } from '../tensor.js';
import type { Backend } from './backend.js';

/**
 * Collects temporaries so a kernel can release them in one call (tf.tidy's idea without
 * global state). `t(x)` records x and returns it.
 */
export class Scope {
  private readonly held: Tensor[] = [];
  constructor(private readonly backend: Backend) {}
  /** Records x for the next `dispose` and returns it, so a call can be wrapped inline: `s.t(be.add(a, b))`. */
  t<T extends Tensor>(x: T): T {
    this.held.push(x);
    return x;
  }
  /** Stops tracking x (its owner changed). */
  release(x: Tensor): void {
    const i = this.held.indexOf(x);
    if (i >= 0) this.held.splice(i, 1);
  }
  /** Disposes everything recorded except `keep`. */
  dispose(keep: readonly (Tensor | undefined)[] = []): void {
    const k = new Set(keep);
    for (const x of this.held) if (!k.has(x)) this.backend.dispose(x);
    this.held.length = 0;
  }
}
