import { RnnkitError } from '@rnnkit/core';
import type { Tensor } from '@rnnkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TfjsBackend, TfjsTensor } from '../src/index.js';
import { ENGINES, backendFor, maxAbsDiff, rand, tfTensors } from './helpers.js';

describe.each(ENGINES)('primitives on tfjs-%s', (engine) => {
  let be: TfjsBackend;
  let live0 = 0;
  let tf0 = 0;
  const held: Tensor[] = [];
  const up = (data: ArrayLike<number>, shape: number[]) => {
    const t = be.upload(Float32Array.from(data), shape);
    held.push(t);
    return t;
  };
  const get = async (t: Tensor) => {
    held.push(t);
    return Array.from(await be.read(t));
  };
  const close = (actual: number[], expected: number[], tol = 1e-6) => expect(maxAbsDiff(actual, expected)).toBeLessThan(tol);

  beforeEach(async () => {
    be = await backendFor(engine);
    live0 = be.liveTensors();
    tf0 = tfTensors(be);
  });
  afterEach(() => {
    for (const t of held) if (!(t as TfjsTensor).disposed) be.dispose(t);
    held.length = 0;
    // Every handle and every tf.Tensor made by the test (and by failed calls) is gone.
    expect(be.liveTensors()).toBe(live0);
    expect(tfTensors(be)).toBe(tf0);
  });

  it('reports its engine', () => {
    const info = be.info();
    expect(info.name).toBe('tfjs');
    expect(info.engine).toBe(`tfjs-${engine}`);
    expect(be.specificationVersion).toBe('v2');
    if (engine === 'wasm') expect(info.wasm).toEqual({ simd: true, threads: false });
  });

  it('upload / read / zeros / fill / reshape, with copies in and out', async () => {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const a = up(src, [2, 3]);
    src[0] = 100; // the tensor kept its own copy
    const r = await be.read(a);
    expect(Array.from(r)).toEqual([1, 2, 3, 4, 5, 6]);
    r[1] = 100; // and read hands out a copy
    expect(Array.from(await be.read(a))).toEqual([1, 2, 3, 4, 5, 6]);
    const z = be.zeros([2, 2]);
    expect(await get(z)).toEqual([0, 0, 0, 0]);
    const f = be.fill([3], 2.5);
    expect(await get(f)).toEqual([2.5, 2.5, 2.5]);
    const rs = be.reshape(a, [3, 2]);
    expect(rs.shape).toEqual([3, 2]);
    expect(await get(rs)).toEqual([1, 2, 3, 4, 5, 6]);
    be.dispose(a); // the reshaped handle survives its source
    expect(await be.read(rs)).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect(() => be.dispose(a)).toThrow('dispose: x: the tensor [2, 3] can\'t be used: it was disposed');
  });

  it('matmul with transposes, alpha and accumulation', async () => {
    const A = [1, 2, 3, 4, 5, 6]; // [2, 3]
    const Bm = [1, 0, -1, 2, 0.5, 1]; // [3, 2]
    const ref = (a: number[], b: number[], M: number, K: number, N: number) => {
      const o: number[] = [];
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
          o.push(s);
        }
      return o;
    };
    const tr = (a: number[], R: number, C: number) => Array.from({ length: R * C }, (_, i) => a[(i % R) * C + Math.floor(i / R)]);
    const a = up(A, [2, 3]);
    const b = up(Bm, [3, 2]);
    close(await get(be.matmul(a, b)), ref(A, Bm, 2, 3, 2));
    const aT = up(tr(A, 2, 3), [3, 2]);
    const bT = up(tr(Bm, 3, 2), [2, 3]);
    close(await get(be.matmul(aT, bT, { transposeA: true, transposeB: true })), ref(A, Bm, 2, 3, 2));
    const c = up([1, 1, 1, 1], [2, 2]);
    const expected = ref(A, Bm, 2, 3, 2).map((v) => 2 * v + 0.5);
    close(await get(be.matmul(a, b, { alpha: 2, c, beta: 0.5 })), expected);
    close(await get(be.matmul(a, b, { c })), ref(A, Bm, 2, 3, 2).map((v) => v + 1));
    // aᵀ·b with a tall a: on wasm computed as (bᵀ·a)ᵀ, which transposes fewer elements.
    const tall = rand(12, 7); // [6, 2]
    const col = rand(6, 8); // [6, 1]
    const atb = [0, 1].map((m) => tall.reduce((s, v, i) => (i % 2 === m ? s + v * col[Math.floor(i / 2)] : s), 0));
    const r = be.matmul(up(tall, [6, 2]), up(col, [6, 1]), { transposeA: true });
    expect(r.shape).toEqual([2, 1]);
    close(await get(r), atb);
  });

  it('elementwise ops, affine, row and column vectors', async () => {
    const x = [0.5, -1, 2, -3, 0, 4];
    const y = [1, 2, -0.5, 4, 5, 2];
    const a = up(x, [2, 3]);
    const b = up(y, [2, 3]);
    close(await get(be.add(a, b)), x.map((v, i) => v + y[i]));
    close(await get(be.sub(a, b)), x.map((v, i) => v - y[i]));
    close(await get(be.mul(a, b)), x.map((v, i) => v * y[i]));
    close(await get(be.div(a, b)), x.map((v, i) => v / y[i]));
    close(await get(be.affine(a, -2, 1)), x.map((v) => -2 * v + 1));
    const copy = be.affine(a, 1, 0);
    expect(copy).not.toBe(a);
    close(await get(copy), x);
    close(await get(be.addRowVector(a, up([1, 2, 3], [3]))), x.map((v, i) => v + [1, 2, 3][i % 3]));
    close(await get(be.mulColumnVector(a, up([2, -1], [2]))), x.map((v, i) => v * [2, -1][Math.floor(i / 3)]));
    close(await get(be.tanh(a)), x.map(Math.tanh));
    close(await get(be.sigmoid(a)), x.map((v) => 1 / (1 + Math.exp(-v))));
    close(await get(be.relu(a)), x.map((v) => Math.max(0, v)));
    close(await get(be.sqrt(up([0, 1, 4, 9], [4]))), [0, 1, 2, 3]);
    close(await get(be.clip(a, -1, 1)), x.map((v) => Math.min(1, Math.max(-1, v))));
    close(await get(be.tanhBackward(a, b)), x.map((v, i) => y[i] * (1 - v * v)));
    close(await get(be.sigmoidBackward(a, b)), x.map((v, i) => y[i] * v * (1 - v)));
    close(await get(be.reluBackward(a, b)), x.map((v, i) => (v > 0 ? y[i] : 0)));
    // Rank 3 is viewed as 2-D; elementwise results keep a's shape.
    const a3 = up(x, [1, 2, 3]);
    const s3 = be.add(a3, b);
    expect(s3.shape).toEqual([1, 2, 3]);
    close(await get(s3), x.map((v, i) => v + y[i]));
    const m = up([1, 0], [2]);
    const om = be.affine(m, -1, 1);
    held.push(om);
    expect(om.shape).toEqual([2]);
  });

  it('reductions', async () => {
    const x = rand(12, 3);
    const a = up(x, [4, 3]);
    const cols = [0, 1, 2].map((j) => x[j] + x[3 + j] + x[6 + j] + x[9 + j]);
    const sr = be.sumRows(a);
    expect(sr.shape).toEqual([3]);
    close(await get(sr), cols);
    const s = be.sum(a);
    expect(s.shape).toEqual([1]);
    close(await get(s), [x.reduce((p, v) => p + v, 0)]);
    close(await get(be.sumSquares(a)), [x.reduce((p, v) => p + v * v, 0)]);
  });

  it('slices, concatenations, gather and scatter-add', async () => {
    const x = Array.from({ length: 12 }, (_, i) => i);
    const a = up(x, [4, 3]);
    const sc = be.sliceColumns(a, 1, 2);
    expect(sc.shape).toEqual([4, 2]);
    expect(await get(sc)).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
    const sr = be.sliceRows(a, 1, 2);
    expect(sr.shape).toEqual([2, 3]);
    expect(await get(sr)).toEqual([3, 4, 5, 6, 7, 8]);
    const cc = be.concatColumns([a, sc]);
    expect(cc.shape).toEqual([4, 5]);
    expect((await get(cc)).slice(0, 5)).toEqual([0, 1, 2, 1, 2]);
    const cr = be.concatRows([sr, a]);
    expect(cr.shape).toEqual([6, 3]);
    expect((await get(cr)).slice(0, 6)).toEqual([3, 4, 5, 6, 7, 8]);
    const one = be.concatRows([a]);
    expect(one).not.toBe(a);
    expect(await get(one)).toEqual(x);
    const g = be.gatherRows(a, Int32Array.from([3, 0, 3]));
    expect(g.shape).toEqual([3, 3]);
    expect(await get(g)).toEqual([9, 10, 11, 0, 1, 2, 9, 10, 11]);
    // Empty results.
    const e1 = be.sliceColumns(a, 3, 0);
    const e2 = be.sliceRows(a, 4, 0);
    const e3 = be.gatherRows(a, new Int32Array(0));
    expect([e1.shape, e2.shape, e3.shape]).toEqual([[4, 0], [0, 3], [0, 3]]);
    for (const e of [e1, e2, e3]) expect(await get(e)).toEqual([]);
    const s = be.scatterAddRows(up([1, 1, 2, 2, 3, 3], [3, 2]), Int32Array.from([2, 0, 2]), 4);
    expect(s.shape).toEqual([4, 2]);
    expect(await get(s)).toEqual([2, 2, 0, 0, 4, 4, 0, 0]);
  });

  it('softmax and softmax cross-entropy with ignored rows', async () => {
    const logits = [1, 2, 3, 0, 0, 0, -1, 5, 2];
    const a = up(logits, [3, 3]);
    const sm = (row: number[]) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const z = e.reduce((p, v) => p + v, 0);
      return e.map((v) => v / z);
    };
    const rows = [0, 1, 2].map((r) => logits.slice(r * 3, r * 3 + 3));
    close(await get(be.softmax(a)), rows.flatMap(sm));
    const { loss, grad } = be.softmaxCrossEntropy(a, Int32Array.from([2, -100, 1]), -100);
    expect(loss.shape).toEqual([3]);
    expect(grad.shape).toEqual([3, 3]);
    const p0 = sm(rows[0]);
    const p2 = sm(rows[2]);
    close(await get(loss), [-Math.log(p0[2]), 0, -Math.log(p2[1])], 1e-5);
    close(await get(grad), [p0[0], p0[1], p0[2] - 1, 0, 0, 0, p2[0], p2[1] - 1, p2[2]], 1e-6);
    const single = be.softmaxCrossEntropy(up([3, -1], [2, 1]), Int32Array.from([0, 0]), -1);
    close(await get(single.loss), [0, 0]);
    close(await get(single.grad), [0, 0]);
  });

  it('bad input: RnnkitError with code and a message naming argument, expected and actual; nothing leaks', () => {
    const a = up(rand(6, 1), [2, 3]);
    const b = up(rand(6, 2), [3, 2]);
    const expectErr = (fn: () => unknown, code: string, ...parts: string[]) => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RnnkitError);
      expect((err as RnnkitError).code).toBe(code);
      for (const p of parts) expect((err as Error).message).toContain(p);
    };
    expectErr(() => be.matmul(a, a), 'SHAPE_MISMATCH', 'b:', '[3, N]', '[2, 3]');
    expectErr(() => be.matmul(a, b, { c: a }), 'SHAPE_MISMATCH', 'matmul: c:', '[2, 2]', '[2, 3]');
    expectErr(() => be.add(a, b), 'SHAPE_MISMATCH', 'b:', '[2, 3]', '[3, 2]');
    expectErr(() => be.addRowVector(a, up([1, 2], [2])), 'SHAPE_MISMATCH', 'addRowVector: v:', 'expected shape [3]', '[2]');
    expectErr(() => be.mulColumnVector(a, up([1, 2, 3], [3])), 'SHAPE_MISMATCH', 'mulColumnVector: v:', 'expected shape [2]');
    expectErr(() => be.sliceColumns(a, 2, 2), 'INVALID_ARGUMENT', 'width', '[0, 1]', '2');
    expectErr(() => be.sliceRows(a, 3, 1), 'INVALID_ARGUMENT', 'start', '[0, 2]', '3');
    expectErr(() => be.concatRows([a, b]), 'SHAPE_MISMATCH', 'concatRows: parts[1]', '[*, 3]');
    expectErr(() => be.concatColumns([]), 'INVALID_ARGUMENT', 'concatColumns: parts', 'at least one tensor');
    expectErr(() => be.gatherRows(a, Int32Array.from([0, 2])), 'INVALID_ARGUMENT', 'indices[1]', '[0, 2)', '2');
    expectErr(() => be.gatherRows(a, [0] as unknown as Int32Array), 'INVALID_ARGUMENT', 'indices', 'Int32Array');
    expectErr(() => be.scatterAddRows(a, Int32Array.from([0]), 2), 'SHAPE_MISMATCH', 'scatterAddRows: a:', '[1, N]');
    expectErr(() => be.softmaxCrossEntropy(a, Int32Array.from([0, 3]), -1), 'INVALID_ARGUMENT', 'targets[1]', '[0, 3)', '3');
    expectErr(() => be.softmaxCrossEntropy(a, Int32Array.from([0]), -1), 'INVALID_ARGUMENT', 'targets', '2 class ids');
    expectErr(() => be.clip(a, 1, 0), 'INVALID_ARGUMENT', 'hi');
    expectErr(() => be.affine(a, Number.NaN, 0), 'INVALID_ARGUMENT', 'affine: s:', 'a number', 'NaN');
    expectErr(() => be.upload(Float32Array.from([1, 2, 3]), [2, 2]), 'SHAPE_MISMATCH', 'upload: data', '4 values', 'got 3');
    expectErr(() => be.upload(Float32Array.from([1]), [1.5]), 'INVALID_ARGUMENT', 'shape');
    expectErr(() => be.reshape(a, [4, 2]), 'SHAPE_MISMATCH', 'shape', '6 elements', '[4, 2]');
    expectErr(() => be.add({ shape: [2, 3], backend: 'cpu' }, a), 'BACKEND_MISMATCH', 'a:', 'tfjs', '"cpu"');
    const dead = be.upload(Float32Array.from([1]), [1]);
    be.dispose(dead);
    expectErr(() => be.tanh(dead), 'DISPOSED', 'a:', 'disposed');
  });

  it('tensors of another tfjs backend instance are refused', async () => {
    const other = await backendFor(engine === 'wasm' ? 'cpu' : 'wasm');
    const a = up([1, 2], [2]);
    const o = other.upload(Float32Array.from([1, 2]), [2]);
    expect(() => be.add(a, o)).toThrow('add: b: expected a tensor of this tfjs backend, got one of another tfjs backend instance');
    other.dispose(o);
  });
});
