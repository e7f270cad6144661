import type { QuantizedMatrix } from '../../backend/backend.js';
import { dequantizeRows, int8RowSums, quantizedMatmulHost, quantizeRows } from '../../backend/composite/int8_impl.js';
import { compositeQuantizedRecurrentForward } from '../../backend/composite/quantized_recurrent_forward.js';
import type { CellKind } from '../../cells.js';
import { gateCount } from '../../cells.js';
import type { Tensor } from '../../tensor.js';
import { Rng } from '../../util/rng.js';
import { randomArray } from '../numeric.js';
import { check } from './expect.js';
import { ACCUMULATION_TOLERANCE, type KitCase } from './primitive_cases.js';

/**
 * A native int8 recurrent kernel against core's composite recurrence on the same backend's
 * `quantizedMatmul`: the integer parts are exact, the gate math is float32 and may differ in the
 * last bits, and a last-bit difference in h can move one activation across a rounding boundary
 * at the next step (one quantization step: s_x · s_w · |Wq| ≈ range · max|W| / 127). So: at
 * least 99% of the outputs within FUSED-level 1e-5, and every one within this.
 */
export const QUANTIZED_RECURRENT_TOLERANCE = 2e-2;

/** (M, N, K) shapes: GEMV (M = 1), K off every SIMD width, K = 1, and a long K. */
const MATMUL_SHAPES: [number, number, number][] = [
  [1, 8, 16],
  [1, 5, 33],
  [4, 7, 1],
  [3, 16, 15],
  [5, 9, 17],
  [2, 3, 64],
  [33, 12, 130],
  [2, 4, 1031],
];

function mixedRows(rng: Rng, M: number, K: number): Float32Array {
  const x = randomArray(rng, M * K, -3, 3);
  if (M > 2) {
    x.fill(0, 0, K); // an all-zero row: scale 0
    for (let k = 0; k < K; k++) x[K + k] = Math.abs(x[K + k]); // a positive-only row: zero point 0
  }
  if (K >= 4) {
    // values that land exactly on halves for this row's scale: ties round to even
    const o = (M - 1) * K;
    x[o] = 127;
    x[o + 1] = 0;
    x[o + 2] = 0.5;
    x[o + 3] = -1.5;
  }
  return x;
}

/**
 * The int8 ops on a backend: `quantizedMatmul` bit for bit against `quantizedMatmulHost` (the
 * scheme in `composite/int8_impl.ts`) where `info().quantized` is `native` or `host`, and against
 * the float32 product on the dequantized weights where it is `dequantized`;
 * `quantizedRecurrentForward` against core's composite recurrence (see
 * QUANTIZED_RECURRENT_TOLERANCE) for every cell; nothing leaks, inputs are unchanged.
 */
export function quantizedCases(): KitCase[] {
  const cases: KitCase[] = [];
  for (const [M, N, K] of MATMUL_SHAPES) {
    for (const withBias of [true, false]) {
      cases.push({
        name: `quantizedMatmul [${M}, ${K}] · int8 [${N}, ${K}]ᵀ${withBias ? ' + bias' : ''}: the scheme exactly`,
        async run(be) {
          const rng = new Rng(M * 1009 + N * 31 + K + (withBias ? 7 : 0));
          const xs = mixedRows(rng, M, K);
          const ws = randomArray(rng, N * K, -1, 1);
          if (N > 2) ws.fill(0, K, 2 * K); // an all-zero weight row
          const host = quantizeRows(ws, N, K);
          const bs = withBias ? randomArray(rng, N, -1, 1) : undefined;
          const before = be.liveTensors();
          const x = be.upload(xs, [M, K]);
          const bias = bs ? be.upload(bs, [N]) : undefined;
          const w = be.uploadQuantized(host);
          try {
            const y = be.quantizedMatmul({ x, weight: w, bias });
            const got = await be.read(y);
            be.dispose(y);
            check(y.shape.length === 2 && y.shape[0] === M && y.shape[1] === N, `shape [${y.shape.join(', ')}], expected [${M}, ${N}]`);
            const mode = be.info().quantized;
            if (mode === 'dequantized') {
              const wd = dequantizeRows(host);
              for (let m = 0; m < M; m++)
                for (let n = 0; n < N; n++) {
                  let s = bs ? bs[n] : 0;
                  for (let k = 0; k < K; k++) s += xs[m * K + k] * wd[n * K + k];
                  const d = Math.abs(got[m * N + n] - s) / Math.max(1, Math.abs(s));
                  check(d <= ACCUMULATION_TOLERANCE, `y[${m}, ${n}] = ${got[m * N + n]}, expected ${s} (dequantized float product)`);
                }
            } else {
              const want = quantizedMatmulHost(xs, M, host, int8RowSums(host), bs);
              for (let i = 0; i < want.length; i++) {
                check(Object.is(got[i], want[i]), `y[${Math.floor(i / N)}, ${i % N}] = ${got[i]}, expected exactly ${want[i]} (${mode})`);
              }
            }
            check(
              (await be.read(x)).every((v, i) => Object.is(v, xs[i])),
              'x was modified',
            );
          } finally {
            be.dispose(x);
            if (bias) be.dispose(bias);
            be.disposeQuantized(w);
          }
          check(be.liveTensors() === before, `${be.liveTensors() - before} tensors leaked`);
        },
      });
    }
  }

  const variants: [CellKind, boolean][] = [
    ['rnn_tanh', true],
    ['rnn_relu', true],
    ['lstm', true],
    ['gru', true],
    ['gru', false],
  ];
  for (const [cell, gruResetAfter] of variants) {
    for (const [T, B] of [
      [6, 1],
      [4, 3],
    ] as const) {
      cases.push({
        name: `quantizedRecurrentForward ${cell}${cell === 'gru' ? (gruResetAfter ? ' reset-after' : ' reset-before') : ''} T=${T} B=${B}: against the composite recurrence`,
        async run(be) {
          const rng = new Rng(T * 101 + B * 7 + cell.length + (gruResetAfter ? 0 : 3));
          const G = gateCount(cell);
          const [D, H] = [5, 7];
          const up = (a: Float32Array, shape: number[]) => be.upload(a, shape);
          const before = be.liveTensors();
          const qs: QuantizedMatrix[] = [
            quantizeRows(randomArray(rng, G * H * D, -0.6, 0.6), G * H, D),
            quantizeRows(randomArray(rng, G * H * H, -0.6, 0.6), G * H, H),
          ];
          const held: Tensor[] = [
            up(randomArray(rng, T * B * D, -2, 2), [T, B, D]),
            up(randomArray(rng, B * H, -0.5, 0.5), [B, H]),
            up(randomArray(rng, G * H, -0.3, 0.3), [G * H]),
            up(randomArray(rng, G * H, -0.3, 0.3), [G * H]),
          ];
          if (cell === 'lstm') held.push(up(randomArray(rng, B * H, -0.5, 0.5), [B, H]));
          const [x, h0, biasIh, biasHh, c0] = held;
          const wIh = be.uploadQuantized(qs[0]);
          const wHh = be.uploadQuantized(qs[1]);
          const lengths = B > 1 ? Int32Array.from({ length: B }, (_, b) => (b === 1 ? Math.max(1, T - 2) : T)) : undefined;
          const args = { cell, gruResetAfter, x, weightIh: wIh, weightHh: wHh, biasIh, biasHh, h0, ...(c0 ? { c0 } : {}), ...(lengths ? { lengths } : {}) };
          try {
            const mine = be.quantizedRecurrentForward(args);
            const ref = compositeQuantizedRecurrentForward(be, args);
            check(mine.saved === undefined, 'an inference-only forward returned saved state');
            for (const k of ['y', 'hN', 'cN'] as const) {
              const a = mine[k];
              const b = ref[k];
              check((a === undefined) === (b === undefined), `${k}: present on one side only`);
              if (!a || !b) continue;
              const [ga, gb] = [await be.read(a), await be.read(b)];
              let within = 0;
              let worst = 0;
              for (let i = 0; i < ga.length; i++) {
                const d = Math.abs(ga[i] - gb[i]);
                if (!(d <= QUANTIZED_RECURRENT_TOLERANCE)) check(false, `${k}[${i}] = ${ga[i]}, composite ${gb[i]}`);
                worst = Math.max(worst, d);
                if (d <= 1e-5) within++;
              }
              check(within >= 0.99 * ga.length, `${k}: only ${within} of ${ga.length} within 1e-5 (worst ${worst})`);
            }
            for (const r of [mine, ref]) {
              be.dispose(r.y);
              be.dispose(r.hN);
              if (r.cN) be.dispose(r.cN);
            }
          } finally {
            for (const t of held) be.dispose(t);
            be.disposeQuantized(wIh);
            be.disposeQuantized(wHh);
          }
          check(be.liveTensors() === before, `${be.liveTensors() - before} tensors leaked`);
        },
      });
    }
  }
  return cases;
}
