import type { WasmKernels } from './load.js';

/**
 * The large elementwise primitives on the SIMD kernels (assembly/elementwise.ts): operands copied
 * into the module, one pass there, the result copied out. Same results as the TypeScript kernels
 * (bit-identical except sumSquares's last bits, see there).
 */

/**
 * From this many elements the SIMD path runs. Measured with bench/elementwise.mjs on this
 * project's 2-core machine (median µs, JS loop / SIMD with its copies): sub at 512 elements
 * 2.2 / 1.4, at 1024 4.7 / 3.0, at 2^19 2275 / 928; mul, affine and sumSquares alike. At 256
 * they tie, so 1024 leaves margin for a slower copy elsewhere.
 */
export const WASM_ELEMENTWISE_MIN = 1024;

/** Working sets below this always fit the arena (it grows to them; wasm32's 4 GiB is far). */
const ALWAYS_FITS = 2 ** 28;

/**
 * Whether a call needing `bytes` of arena (operands, result and padding) fits above the held
 * region. The GEMMs and elementwise ops that don't (past wasm32's 4 GiB, or memory the engine
 * can't get) run on the TypeScript kernels instead: the same results, no bound but the host's.
 */
export function wasmFits(w: WasmKernels, bytes: number): boolean {
  return bytes < ALWAYS_FITS || w.arena.fits([bytes + 1024], false);
}

export type BinaryOp = 'add' | 'sub' | 'mul';
const OP_CODE: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2 };

/** a (op) b into a new array; a and b have the same length. */
export function binaryWasm(w: WasmKernels, op: BinaryOp, a: Float32Array, b: Float32Array): Float32Array {
  const { k, arena } = w;
  const n = a.length;
  arena.scratch();
  const pa = arena.put(a);
  const pb = arena.put(b);
  const po = arena.alloc(n * 4);
  k.binaryArrays(OP_CODE[op], n, pa, pb, po);
  return arena.take(po, n);
}

/** a · s + t (in double, rounded once) into a new array. */
export function affineWasm(w: WasmKernels, a: Float32Array, s: number, t: number): Float32Array {
  const { k, arena } = w;
  const n = a.length;
  arena.scratch();
  const pa = arena.put(a);
  const po = arena.alloc(n * 4);
  k.affineArray(n, pa, s, t, po);
  return arena.take(po, n);
}

/** The MSE pass: grad = (o − t) · s and Σ (o − t)² (see assembly/elementwise.ts). */
export function squaredErrorGradWasm(w: WasmKernels, o: Float32Array, t: Float32Array, s: number): { sum: number; grad: Float32Array } {
  const { k, arena } = w;
  const n = o.length;
  arena.scratch();
  const po = arena.put(o);
  const pt = arena.put(t);
  const pg = arena.alloc(n * 4);
  const sum = k.squaredErrorGrad(n, po, pt, s, pg);
  return { sum, grad: arena.take(pg, n) };
}

/** Σ a², accumulated in double. */
export function sumSquaresWasm(w: WasmKernels, a: Float32Array): number {
  const { k, arena } = w;
  arena.scratch();
  return k.sumSquaresArray(a.length, arena.put(a));
}
