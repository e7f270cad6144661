import { BACKEND_SPEC_VERSION, RnnkitError, rowsCols, sizeOf } from '../src/index.js';
import type { Backend, BackendInfo, Shape, Tensor } from '../src/index.js';

/**
 * A test-only backend: core's primitives as plain Float32Array loops, no fused kernels, so the
 * training tests run core's composite recurrent and optimizer kernels. Core can't depend on
 * @rnnkit/backend-cpu (that package depends on core), so its own tests use this.
 */
class T implements Tensor {
  readonly backend = 'plain';
  alive = true;
  constructor(
    readonly data: Float32Array,
    readonly shape: Shape,
  ) {}
}

export class PlainBackend implements Backend {
  readonly specificationVersion = BACKEND_SPEC_VERSION;
  readonly name = 'plain';
  private live = 0;
  info(): BackendInfo {
    return { name: 'plain', engine: 'plain-js (test)' };
  }
  async sync(): Promise<void> {}
  destroy(): void {}
  private t(data: Float32Array, shape: Shape): T {
    this.live++;
    return new T(data, [...shape]);
  }
  private d(x: Tensor): Float32Array {
    const t = x as T;
    if (!(t instanceof T)) throw new RnnkitError('BACKEND_MISMATCH', 'x: not a plain tensor', { argument: 'x' });
    if (!t.alive) throw new RnnkitError('DISPOSED', `x: tensor [${t.shape}] used after dispose`, { argument: 'x' });
    return t.data;
  }
  upload(data: Float32Array, shape: Shape): Tensor {
    if (data.length !== sizeOf(shape)) throw new RnnkitError('SHAPE_MISMATCH', `upload: ${data.length} values for [${shape}]`);
    return this.t(data.slice(), shape);
  }
  zeros(shape: Shape): Tensor {
    return this.t(new Float32Array(sizeOf(shape)), shape);
  }
  fill(shape: Shape, v: number): Tensor {
    return this.t(new Float32Array(sizeOf(shape)).fill(v), shape);
  }
  async read(x: Tensor): Promise<Float32Array> {
    return this.d(x).slice();
  }
  dispose(x: Tensor): void {
    this.d(x);
    (x as T).alive = false;
    this.live--;
  }
  reshape(x: Tensor, shape: Shape): Tensor {
    const d = this.d(x);
    if (sizeOf(shape) !== d.length) throw new RnnkitError('SHAPE_MISMATCH', `reshape: [${x.shape}] to [${shape}]`);
    return this.t(d, shape);
  }
  liveTensors(): number {
    return this.live;
  }
  matmul(a: Tensor, b: Tensor, o: { transposeA?: boolean; transposeB?: boolean; alpha?: number; c?: Tensor; beta?: number } = {}): Tensor {
    const A = this.d(a);
    const Bd = this.d(b);
    const [ar, ac] = rowsCols(a.shape);
    const [br, bc] = rowsCols(b.shape);
    const M = o.transposeA ? ac : ar;
    const K = o.transposeA ? ar : ac;
    const N = o.transposeB ? br : bc;
    const Kb = o.transposeB ? bc : br;
    if (K !== Kb) throw new RnnkitError('SHAPE_MISMATCH', `matmul: inner ${K} vs ${Kb}`);
    const out = new Float32Array(M * N);
    const alpha = o.alpha ?? 1;
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) {
        const av = o.transposeA ? A[k * ac + i] : A[i * ac + k];
        if (av === 0) continue;
        if (o.transposeB) for (let j = 0; j < N; j++) out[i * N + j] += av * Bd[j * bc + k];
        else {
          const row = k * bc;
          for (let j = 0; j < N; j++) out[i * N + j] += av * Bd[row + j];
        }
      }
    }
    if (alpha !== 1) for (let i = 0; i < out.length; i++) out[i] *= alpha;
    if (o.c) {
      const C = this.d(o.c);
      const beta = o.beta ?? 1;
      for (let i = 0; i < out.length; i++) out[i] += beta * C[i];
    }
    return this.t(out, [M, N]);
  }
  private map2(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
    const A = this.d(a);
    const B = this.d(b);
    if (A.length !== B.length) throw new RnnkitError('SHAPE_MISMATCH', `elementwise: [${a.shape}] vs [${b.shape}]`);
    const out = new Float32Array(A.length);
    for (let i = 0; i < A.length; i++) out[i] = f(A[i], B[i]);
    return this.t(out, rowsCols(a.shape));
  }
  private map1(a: Tensor, f: (x: number) => number): Tensor {
    const A = this.d(a);
    const out = new Float32Array(A.length);
    for (let i = 0; i < A.length; i++) out[i] = f(A[i]);
    return this.t(out, rowsCols(a.shape));
  }
  add(a: Tensor, b: Tensor) {
    return this.map2(a, b, (x, y) => x + y);
  }
  sub(a: Tensor, b: Tensor) {
    return this.map2(a, b, (x, y) => x - y);
  }
  mul(a: Tensor, b: Tensor) {
    return this.map2(a, b, (x, y) => x * y);
  }
  div(a: Tensor, b: Tensor) {
    return this.map2(a, b, (x, y) => x / y);
  }
  affine(a: Tensor, s: number, t: number) {
    return this.map1(a, (x) => x * s + t);
  }
  addRowVector(a: Tensor, v: Tensor): Tensor {
    const A = this.d(a);
    const V = this.d(v);
    const [, N] = rowsCols(a.shape);
    const out = new Float32Array(A.length);
    for (let i = 0; i < A.length; i++) out[i] = A[i] + V[i % N];
    return this.t(out, rowsCols(a.shape));
  }
  mulColumnVector(a: Tensor, v: Tensor): Tensor {
    const A = this.d(a);
    const V = this.d(v);
    const [, N] = rowsCols(a.shape);
    const out = new Float32Array(A.length);
    for (let i = 0; i < A.length; i++) out[i] = A[i] * V[Math.floor(i / N)];
    return this.t(out, rowsCols(a.shape));
  }
  tanh(a: Tensor) {
    return this.map1(a, Math.tanh);
  }
  sigmoid(a: Tensor) {
    return this.map1(a, (x) => 1 / (1 + Math.exp(-x)));
  }
  relu(a: Tensor) {
    return this.map1(a, (x) => (x > 0 ? x : 0));
  }
  sqrt(a: Tensor) {
    return this.map1(a, Math.sqrt);
  }
  clip(a: Tensor, lo: number, hi: number) {
    return this.map1(a, (x) => Math.min(hi, Math.max(lo, x)));
  }
  tanhBackward(y: Tensor, dy: Tensor) {
    return this.map2(y, dy, (v, g) => g * (1 - v * v));
  }
  sigmoidBackward(y: Tensor, dy: Tensor) {
    return this.map2(y, dy, (v, g) => g * v * (1 - v));
  }
  reluBackward(y: Tensor, dy: Tensor) {
    return this.map2(y, dy, (v, g) => (v > 0 ? g : 0));
  }
  sumRows(a: Tensor): Tensor {
    const A = this.d(a);
    const [M, N] = rowsCols(a.shape);
    const out = new Float32Array(N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j] += A[i * N + j];
    return this.t(out, [N]);
  }
  sum(a: Tensor): Tensor {
    let s = 0;
    for (const v of this.d(a)) s += v;
    return this.t(Float32Array.of(s), [1]);
  }
  sumSquares(a: Tensor): Tensor {
    let s = 0;
    for (const v of this.d(a)) s += v * v;
    return this.t(Float32Array.of(s), [1]);
  }
  sliceColumns(a: Tensor, start: number, width: number): Tensor {
    const A = this.d(a);
    const [M, N] = rowsCols(a.shape);
    const out = new Float32Array(M * width);
    for (let i = 0; i < M; i++) out.set(A.subarray(i * N + start, i * N + start + width), i * width);
    return this.t(out, [M, width]);
  }
  concatColumns(parts: readonly Tensor[]): Tensor {
    const [M] = rowsCols(parts[0].shape);
    const widths = parts.map((p) => rowsCols(p.shape)[1]);
    const W = widths.reduce((x, y) => x + y, 0);
    const out = new Float32Array(M * W);
    let off = 0;
    parts.forEach((p, k) => {
      const P = this.d(p);
      const w = widths[k];
      for (let i = 0; i < M; i++) out.set(P.subarray(i * w, (i + 1) * w), i * W + off);
      off += w;
    });
    return this.t(out, [M, W]);
  }
  sliceRows(a: Tensor, start: number, count: number): Tensor {
    const [, N] = rowsCols(a.shape);
    return this.t(this.d(a).slice(start * N, (start + count) * N), [count, N]);
  }
  concatRows(parts: readonly Tensor[]): Tensor {
    const [, N] = rowsCols(parts[0].shape);
    const total = parts.reduce((s, p) => s + rowsCols(p.shape)[0], 0);
    const out = new Float32Array(total * N);
    let off = 0;
    for (const p of parts) {
      const P = this.d(p);
      out.set(P, off);
      off += P.length;
    }
    return this.t(out, [total, N]);
  }
  gatherRows(a: Tensor, idx: Int32Array): Tensor {
    const A = this.d(a);
    const [, N] = rowsCols(a.shape);
    const out = new Float32Array(idx.length * N);
    for (let i = 0; i < idx.length; i++) out.set(A.subarray(idx[i] * N, (idx[i] + 1) * N), i * N);
    return this.t(out, [idx.length, N]);
  }
  scatterAddRows(a: Tensor, idx: Int32Array, numRows: number): Tensor {
    const A = this.d(a);
    const [, N] = rowsCols(a.shape);
    const out = new Float32Array(numRows * N);
    for (let i = 0; i < idx.length; i++) for (let j = 0; j < N; j++) out[idx[i] * N + j] += A[i * N + j];
    return this.t(out, [numRows, N]);
  }
  softmaxCrossEntropy(logits: Tensor, targets: Int32Array, ignoreIndex: number): { loss: Tensor; grad: Tensor } {
    const X = this.d(logits);
    const [R, C] = rowsCols(logits.shape);
    const loss = new Float32Array(R);
    const grad = new Float32Array(R * C);
    for (let i = 0; i < R; i++) {
      const t = targets[i];
      if (t === ignoreIndex) continue;
      let mx = -Infinity;
      for (let j = 0; j < C; j++) mx = Math.max(mx, X[i * C + j]);
      let s = 0;
      for (let j = 0; j < C; j++) s += Math.exp(X[i * C + j] - mx);
      loss[i] = mx + Math.log(s) - X[i * C + t];
      for (let j = 0; j < C; j++) grad[i * C + j] = Math.exp(X[i * C + j] - mx) / s;
      grad[i * C + t] -= 1;
    }
    return { loss: this.t(loss, [R]), grad: this.t(grad, [R, C]) };
  }
  softmax(a: Tensor): Tensor {
    const X = this.d(a);
    const [R, C] = rowsCols(a.shape);
    const out = new Float32Array(R * C);
    for (let i = 0; i < R; i++) {
      let mx = -Infinity;
      for (let j = 0; j < C; j++) mx = Math.max(mx, X[i * C + j]);
      let s = 0;
      for (let j = 0; j < C; j++) s += out[i * C + j] = Math.exp(X[i * C + j] - mx);
      for (let j = 0; j < C; j++) out[i * C + j] /= s;
    }
    return this.t(out, [R, C]);
  }
}

export const plainBackend = () => new PlainBackend();
