import { WasmArena } from './arena.js';
import { KERNEL_BUILDS, KERNELS_GZIP_BASE64 } from './kernels.generated.js';

/**
 * Loading the WebAssembly SIMD kernels (built from assembly/ by scripts/build-wasm.mjs and
 * embedded as base64, so this works the same in Node and browsers). Two builds of the same
 * sources: plain SIMD128, and relaxed SIMD, whose multiply-adds are fused (FMA). Which one runs
 * is decided here, once, by validating a tiny probe module for each feature.
 */

/** Byte addresses in the module's memory; sizes in elements. The module's exports. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  hasFma(): number;
  gemmWorkBytes(): number;
  packedBytes(K: number, N: number, wide: boolean): number;
  gemm(
    M: number,
    N: number,
    K: number,
    alpha: number,
    a: number,
    lda: number,
    transA: boolean,
    b: number,
    ldb: number,
    transB: boolean,
    c: number,
    ldc: number,
    accumulate: boolean,
    work: number,
  ): void;
  packB(K: number, N: number, b: number, ldb: number, transB: boolean, dst: number, wide: boolean): void;
  gemmPacked(
    M: number,
    N: number,
    K: number,
    alpha: number,
    a: number,
    lda: number,
    transA: boolean,
    bp: number,
    wide: boolean,
    c: number,
    ldc: number,
    accumulate: boolean,
    work: number,
  ): void;
  addRowVector(rows: number, cols: number, x: number, bias: number): void;
  rnnStep(B: number, H: number, relu: boolean, xp: number, hp: number, hPrev: number, hNew: number, y: number, lengths: number, t: number): void;
  lstmStep(
    B: number,
    H: number,
    xp: number,
    hp: number,
    cPrev: number,
    cNew: number,
    hPrev: number,
    hNew: number,
    gates: number,
    tanhC: number,
    y: number,
    lengths: number,
    t: number,
  ): void;
  gruResetAfterStep(
    B: number,
    H: number,
    xp: number,
    hp: number,
    bhn: number,
    hPrev: number,
    hNew: number,
    gates: number,
    aux: number,
    y: number,
    lengths: number,
    t: number,
  ): void;
  gruResetGates(B: number, H: number, xp: number, hp: number, hPrev: number, gates: number, aux: number, lengths: number, t: number): void;
  gruResetBeforeState(B: number, H: number, xp: number, q: number, hPrev: number, hNew: number, gates: number, y: number, lengths: number, t: number): void;
  rnnStepBack(B: number, H: number, relu: boolean, dXp: number, dy: number, dh: number, dhPrev: number, hNew: number, lengths: number, t: number): void;
  lstmStepBack(
    B: number,
    H: number,
    dXp: number,
    dy: number,
    dh: number,
    dhPrev: number,
    dc: number,
    gates: number,
    tanhC: number,
    cPrev: number,
    lengths: number,
    t: number,
  ): void;
  gruStepBackUpdate(B: number, H: number, dXp: number, dy: number, dh: number, dhPrev: number, gates: number, hPrev: number, lengths: number, t: number): void;
  gruResetAfterStepBack(B: number, H: number, dXp: number, dHp: number, gates: number, aux: number, lengths: number, t: number): void;
  gruResetBeforeStepBack(B: number, H: number, dXp: number, dRh: number, gates: number, hPrev: number, dhPrev: number, lengths: number, t: number): void;
  columnSums(rows: number, cols: number, x: number, out: number, acc: number): void;
  /** op 0: a + b, 1: a − b, 2: a · b over n floats. */
  binaryArrays(op: number, n: number, a: number, b: number, out: number): void;
  affineArray(n: number, a: number, s: number, t: number, out: number): void;
  sumSquaresArray(n: number, a: number): number;
  /** grad = (o − t)·s over n floats; returns Σ (o − t)². */
  squaredErrorGrad(n: number, o: number, t: number, s: number, grad: number): number;
  /** dst row (i·outer + o) ← src row (o·inner + i): batch-first ↔ time-major. */
  transposeRows(outer: number, inner: number, cols: number, src: number, dst: number): void;
  /** Int8 kernels (assembly/quantized_gemm.ts): k per 4-byte group (4 relaxed, 2 plain). */
  quantGroupK(): number;
  quantRowBytes(K: number): number;
  quantPackedBytes(N: number, K: number): number;
  /** Rows of x [M, K] (stride ldx floats) to quantized activation rows q, scales sx [M] (f32) and zero points zx [M] (i32). */
  quantizeRows(M: number, K: number, x: number, ldx: number, q: number, sx: number, zx: number): void;
  /** y [M, N] (stride ldy floats) = dequant(q · Wqᵀ) + bias (0: none), W packed at wp with rowsum [N] and scales sw [N]. */
  quantizedGemm(
    M: number,
    N: number,
    K: number,
    q: number,
    sx: number,
    zx: number,
    wp: number,
    rowsum: number,
    sw: number,
    bias: number,
    y: number,
    ldy: number,
  ): void;
}

/** A loaded kernel module and the arena its calls work in. One per backend. */
export interface WasmKernels {
  /** The exports; with threads, gemm and gemmPacked split large products over the workers. */
  readonly k: KernelExports;
  readonly arena: WasmArena;
  /** Relaxed-SIMD build (fused multiply-add) rather than plain SIMD128. */
  readonly fma: boolean;
  /** Threads the GEMMs use (1: this thread only). */
  readonly threads: number;
  /** Stops the worker threads, if any. */
  close(): void;
}

/** What this runtime's WebAssembly accepts. */
export interface WasmSupport {
  /** WebAssembly SIMD128 validates (the `cpu-wasm-simd` engine can load). */
  simd: boolean;
  /** Relaxed SIMD validates (the `cpu-wasm-relaxed-simd` engine can load); Node 20 needs `--experimental-wasm-relaxed-simd`. */
  relaxedSimd: boolean;
}

// () -> v128 { f32x4.add(f32x4.splat(0), f32x4.splat(0)) }
const SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 21, 1, 19, 0, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 228, 1, 11,
];
// () -> v128 { f32x4.relaxed_madd(splat 0, splat 0, splat 0) }
const RELAXED_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19,
  253, 133, 2, 11,
];

let support: WasmSupport | undefined;

/**
 * Probes the runtime once. Node 20's V8 has SIMD128 on by default and relaxed SIMD only behind
 * `--experimental-wasm-relaxed-simd`; Chrome ≥ 114, Firefox ≥ 120 and Node ≥ 22 ship both.
 */
export function wasmSupport(): WasmSupport {
  if (!support) {
    const validate = (bytes: number[]): boolean => {
      try {
        return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(bytes));
      } catch {
        return false;
      }
    };
    const simd = validate(SIMD_PROBE);
    support = { simd, relaxedSimd: simd && validate(RELAXED_PROBE) };
  }
  return support;
}

function decode(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Builds embedded as one gzip stream: the stream (base64) and each build's name and byte length, in order. */
export interface KernelBuildGroup<Name extends string = string> {
  readonly gzipBase64: string;
  readonly builds: readonly (readonly [Name, number])[];
}

/** This file's builds, each with its own memory: plain SIMD128 and relaxed SIMD. */
const OWN_MEMORY: KernelBuildGroup<(typeof KERNEL_BUILDS)[number][0]> = { gzipBase64: KERNELS_GZIP_BASE64, builds: KERNEL_BUILDS };

const inflated = new Map<KernelBuildGroup, Promise<Uint8Array>>();
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Compiles one build of a group (once per process: every backend shares the module). The group's
 * stream is inflated once (DecompressionStream: Node ≥ 18 and every current browser); see
 * scripts/build-wasm.mjs for why the builds travel compressed.
 */
export function compileBuild<Name extends string>(group: KernelBuildGroup<Name>, build: Name): Promise<WebAssembly.Module> {
  let mod = compiled.get(build);
  if (!mod) {
    let all = inflated.get(group);
    if (!all) {
      all = (async () => {
        const stream = new Blob([decode(group.gzipBase64) as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
        return new Uint8Array(await new Response(stream).arrayBuffer());
      })();
      inflated.set(group, all);
    }
    mod = all.then((bytes) => {
      let offset = 0;
      for (const [name, length] of group.builds) {
        if (name === build) return WebAssembly.compile(bytes.subarray(offset, offset + length) as BufferSource);
        offset += length;
      }
      throw new Error(`backend-cpu: no kernel build named ${build}`);
    });
    compiled.set(build, mod);
  }
  return mod;
}

/**
 * Loads the shared-memory builds and starts `threads − 1` workers on them; undefined where the
 * runtime can't (no shared memory, no worker threads). Only the package's Node entry passes one
 * (src/node.ts, wasm/shared_load.ts): browser bundles carry neither the builds nor the workers.
 */
export type SharedKernelLoader = (fma: boolean, threads: number) => Promise<WasmKernels | undefined>;

/**
 * Compiles (once per build, shared by every backend) and instantiates the kernels: the relaxed
 * build when `fma` is allowed and the runtime has relaxed SIMD, else the plain one. With
 * `threads` > 1 and a `shared` loader (the Node entry's), the shared-memory build runs and
 * `threads − 1` workers join the large GEMMs; without one, or where the loader can't start
 * them, it quietly stays on one thread. Resolves to undefined when the runtime has no SIMD128.
 */
export async function loadWasmKernels(opts: { fma?: boolean; threads?: number; shared?: SharedKernelLoader } = {}): Promise<WasmKernels | undefined> {
  const s = wasmSupport();
  if (!s.simd) return undefined;
  const fma = s.relaxedSimd && opts.fma !== false;
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  if (threads > 1 && opts.shared) {
    const shared = await opts.shared(fma, threads);
    if (shared) return shared;
  }
  const instance = await WebAssembly.instantiate(await compileBuild(OWN_MEMORY, fma ? 'relaxed' : 'simd'), {});
  const k = instance.exports as unknown as KernelExports;
  return { k, arena: new WasmArena(k.memory, k.heapBase()), fma: k.hasFma() === 1, threads: 1, close: () => {} };
}
