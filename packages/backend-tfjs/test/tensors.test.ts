import type { Tensor } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import type { TfjsTensor } from '../src/index.js';
import { backendFor, ENGINES, maxAbsDiff, rand, tfTensors } from './helpers.js';

/**
 * What is particular to tfjs tensors and to the tfjs paths the kit's generic cases don't single
 * out: every tensor owns exactly one tf.Tensor (never shared, so disposing one never breaks
 * another), the copies tfjs-cpu needs, rnnkit's own tfjs ops and the wasm transpose paths.
 */
describe.each(ENGINES)('tfjs tensors and paths on tfjs-%s', (engine) => {
  const tfOf = (t: Tensor) => (t as TfjsTensor).tensor;

  it('a tf.Tensor a kernel hands back unchanged is cloned: two tensors never share one', async () => {
    const be = await backendFor(engine);
    const [live0, tf0] = [be.liveTensors(), tfTensors(be)];
    const param = be.upload(rand(6, 1), [2, 3]);
    const grad = be.upload(rand(6, 2), [2, 3]);
    // First momentum step without weight decay: the velocity is the gradient itself, which the
    // tidy returns as is; the new tensor must hold its own tf.Tensor.
    const r = be.sgdUpdate({ param, grad, lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 });
    expect(tfOf(r.velocity!)).not.toBe(tfOf(grad));
    const g = await be.read(grad);
    be.dispose(grad);
    expect(Array.from(await be.read(r.velocity!))).toEqual(Array.from(g));
    // Copies and single-part joins are new tensors with their own tf.Tensor too.
    const copy = be.affine(param, 1, 0);
    const one = be.concatRows([param]);
    const same = be.reshape(param, [2, 3]);
    for (const t of [copy, one, same]) {
      expect(t).not.toBe(param);
      expect(tfOf(t)).not.toBe(tfOf(param));
    }
    const p = await be.read(param);
    be.dispose(param);
    for (const t of [copy, one, same]) expect(maxAbsDiff(await be.read(t), p)).toBe(0);
    for (const t of [r.param, r.velocity!, copy, one, same]) be.dispose(t);
    expect((copy as TfjsTensor).disposed).toBe(true);
    expect(be.liveTensors()).toBe(live0);
    expect(tfTensors(be)).toBe(tf0);
  });

  it('read hands out a copy: writing into it leaves the tensor alone', async () => {
    const be = await backendFor(engine);
    const a = be.upload(Float32Array.from([1, 2, 3]), [3]);
    const r = await be.read(a);
    r[1] = 100;
    expect(Array.from(await be.read(a))).toEqual([1, 2, 3]);
    be.dispose(a);
  });

  it("rnnkit's own tfjs ops (row slices, column blocks, row gathers), empty results included", async () => {
    const be = await backendFor(engine);
    const tf0 = tfTensors(be);
    const a = be.upload(
      Float32Array.from({ length: 12 }, (_, i) => i),
      [4, 3],
    );
    const got = async (t: Tensor, shape: number[]) => {
      expect(t.shape).toEqual(shape);
      const v = Array.from(await be.read(t));
      be.dispose(t);
      return v;
    };
    expect(await got(be.sliceColumns(a, 1, 2), [4, 2])).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
    expect(await got(be.sliceRows(a, 1, 2), [2, 3])).toEqual([3, 4, 5, 6, 7, 8]);
    expect(await got(be.gatherRows(a, Int32Array.from([3, 0, 3])), [3, 3])).toEqual([9, 10, 11, 0, 1, 2, 9, 10, 11]);
    // Empty results skip the own ops (they allocate nothing) and take tfjs's.
    expect(await got(be.sliceColumns(a, 3, 0), [4, 0])).toEqual([]);
    expect(await got(be.sliceRows(a, 4, 0), [0, 3])).toEqual([]);
    expect(await got(be.gatherRows(a, new Int32Array(0)), [0, 3])).toEqual([]);
    be.dispose(a);
    expect(tfTensors(be)).toBe(tf0);
  });

  it('aᵀ·b with a tall a (on wasm computed as (bᵀ·a)ᵀ, which transposes fewer elements)', async () => {
    const be = await backendFor(engine);
    const tall = rand(12, 7); // [6, 2]
    const col = rand(6, 8); // [6, 1]
    const atb = [0, 1].map((m) => tall.reduce((s, v, i) => (i % 2 === m ? s + v * col[Math.floor(i / 2)] : s), 0));
    const a = be.upload(tall, [6, 2]);
    const b = be.upload(col, [6, 1]);
    const r = be.matmul(a, b, { transposeA: true });
    expect(r.shape).toEqual([2, 1]);
    expect(maxAbsDiff(await be.read(r), atb)).toBeLessThan(1e-6);
    for (const t of [a, b, r]) be.dispose(t);
  });

  it('tensors of the other engine are refused', async () => {
    const be = await backendFor(engine);
    const other = await backendFor(engine === 'wasm' ? 'cpu' : 'wasm');
    const a = be.upload(Float32Array.from([1, 2]), [2]);
    const o = other.upload(Float32Array.from([1, 2]), [2]);
    expect(() => be.add(a, o)).toThrow('add: b: expected a tensor of this tfjs backend, got one of another tfjs backend instance');
    be.dispose(a);
    other.dispose(o);
  });
});
