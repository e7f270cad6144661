import { RnnkitError } from '@rnnkit/core';
import type { KernelExports } from './load.js';

/**
 * Worker threads for the large GEMMs, over the kernels' shared memory (Node only; loaded with a
 * guarded dynamic import of `node:worker_threads`, so browsers never see it). Each worker runs
 * the same module on the same memory and takes one slice of a GEMM: rows of C when M is large,
 * else 8-column strips (the per-step recurrent GEMM, B·4H outputs). The calling thread takes
 * the first slice and then waits; a worker spins briefly after a job before sleeping, so the
 * next step of a sequence finds it awake. GEMMs under PARALLEL_MIN_WORK multiply-adds stay on
 * the calling thread: waking a worker costs tens of microseconds.
 */

/**
 * M·N·K from which a GEMM is split across threads: about 0.3 ms of single-thread work. Below
 * it the wake-up and the wait cost what the split saves (measured: the per-step GEMM of
 * B = 32, H = 128 LSTM, 2.1M, ran 0.8–1.2× with two threads).
 */
export const PARALLEL_MIN_WORK = 1 << 22;

// Control block of one worker, Int32 slots: [0] job sequence number (the wake-up word), [1] last
// job done, [2] stop flag, [3] op (1 gemm, 2 gemmPacked), [4..16] arguments (slot 7 is alpha
// as float32), [17] job state, [18] error flag.
const SLOTS = 20;
const POSTED = 1;
const CLAIMED = 2;
const REVOKED = 3;
/** A posted job no worker has claimed after this long runs on the calling thread instead. */
const CLAIM_TIMEOUT_MS = 2000;

/** Runs in each worker (eval'd as CommonJS: no file to locate next to the bundle). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, work } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const c = new Int32Array(ctl);
const f = new Float32Array(ctl);
let seen = 0;
for (;;) {
  for (let spin = 0; spin < 20000 && Atomics.load(c, 0) === seen; spin++);
  if (Atomics.load(c, 0) === seen) Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (c[2] === 1) break;
  if (Atomics.compareExchange(c, 17, ${POSTED}, ${CLAIMED}) !== ${POSTED}) continue; // revoked: the caller ran it
  try {
    if (c[3] === 1) k.gemm(c[4], c[5], c[6], f[7], c[8], c[9], c[10] === 1, c[11], c[12], c[13] === 1, c[14], c[15], c[16] === 1, work);
    else k.gemmPacked(c[4], c[5], c[6], f[7], c[8], c[9], c[10] === 1, c[11], c[13] === 1, c[14], c[15], c[16] === 1, work);
  } catch (e) {
    c[18] = 1;
  }
  Atomics.store(c, 1, seen);
  Atomics.notify(c, 1);
}
`;

interface WorkerHandle {
  terminate(): Promise<number>;
  unref(): void;
}

interface Slot {
  worker: WorkerHandle;
  c: Int32Array;
  f: Float32Array;
  seq: number;
  /** Set when a worker failed to claim a job in time; it gets no more work. */
  dead: boolean;
}

export class ThreadPool {
  private constructor(private readonly slots: Slot[]) {}

  /** Threads a GEMM may use: the caller plus the live workers. */
  get threads(): number {
    return this.live().length + 1;
  }

  private live(): Slot[] {
    return this.slots.filter((s) => !s.dead);
  }

  /**
   * Starts `workers` workers on `module` over `memory`; worker i works in works[i] (gemmWorkBytes
   * each, outside the arena). Resolves to undefined where worker threads are unavailable.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, works: number[]): Promise<ThreadPool | undefined> {
    let Worker: new (src: string, opts: object) => WorkerHandle;
    try {
      const specifier = 'node:worker_threads';
      ({ Worker } = (await import(/* @vite-ignore */ specifier)) as { Worker: typeof Worker });
    } catch {
      return undefined;
    }
    const slots = works.map((work) => {
      const ctl = new SharedArrayBuffer(SLOTS * 4);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl, work } });
      worker.unref(); // an idle pool never keeps the process alive
      return { worker, c: new Int32Array(ctl), f: new Float32Array(ctl), seq: 0, dead: false };
    });
    return new ThreadPool(slots);
  }

  /**
   * C (+)= alpha · op(A) · op(B), split over the threads. `packed` ≥ 0 means B is packed
   * (gemmPacked; 1 = the wide layout) and `b` is the packed address.
   */
  run(
    k: KernelExports,
    packed: number,
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
  ): void {
    const slots = this.live();
    const n = slots.length + 1;
    const call = (m: number, nn: number, aa: number, bb: number, cc: number, w: number, slot?: Slot): void => {
      if (!slot) {
        if (packed >= 0) k.gemmPacked(m, nn, K, alpha, aa, lda, transA, bb, packed === 1, cc, ldc, accumulate, w);
        else k.gemm(m, nn, K, alpha, aa, lda, transA, bb, ldb, transB, cc, ldc, accumulate, w);
        return;
      }
      const s = slot.c;
      s[3] = packed >= 0 ? 2 : 1;
      s[4] = m;
      s[5] = nn;
      s[6] = K;
      slot.f[7] = alpha;
      s[8] = aa;
      s[9] = lda;
      s[10] = transA ? 1 : 0;
      s[11] = bb;
      s[12] = ldb;
      s[13] = packed >= 0 ? packed : transB ? 1 : 0;
      s[14] = cc;
      s[15] = ldc;
      s[16] = accumulate ? 1 : 0;
      Atomics.store(s, 17, POSTED);
      slot.seq++;
      Atomics.store(s, 0, slot.seq);
      Atomics.notify(s, 0);
    };
    const parts: Array<[number, number, number, number, number]> = []; // m, n, a, b, c
    const rowSplit = packed < 0 && M >= 16 * n;
    if (rowSplit) {
      // Rows of C in multiples of 4 (the micro-tile).
      const step = Math.ceil(M / n / 4) * 4;
      for (let i0 = 0; i0 < M; i0 += step) {
        const m = Math.min(step, M - i0);
        parts.push([m, N, a + (transA ? i0 : i0 * lda) * 4, b, c + i0 * ldc * 4]);
      }
    } else {
      // Columns of C on strip boundaries: 8 columns, 32 for the wide packed layout.
      const unit = packed === 1 ? 32 : 8;
      const step = Math.ceil(N / n / unit) * unit;
      for (let j0 = 0; j0 < N; j0 += step) {
        const nn = Math.min(step, N - j0);
        const bb = packed >= 0 ? b + (j0 / unit) * K * unit * 4 : b + (transB ? j0 * ldb : j0) * 4;
        parts.push([M, nn, a, bb, c + j0 * 4]);
      }
    }
    for (let i = 1; i < parts.length; i++) {
      const [m, nn, aa, bb, cc] = parts[i];
      call(m, nn, aa, bb, cc, 0, slots[i - 1]);
    }
    const [m, nn, aa, bb, cc] = parts[0];
    call(m, nn, aa, bb, cc, work);
    let failed = false;
    for (let i = 1; i < parts.length; i++) {
      const slot = slots[i - 1];
      const s = slot.c;
      for (let spin = 0; spin < 1000 && Atomics.load(s, 1) !== slot.seq; spin++);
      while (Atomics.load(s, 1) !== slot.seq) {
        const seen = Atomics.load(s, 1);
        if (Atomics.wait(s, 1, seen, CLAIM_TIMEOUT_MS) === 'timed-out' && Atomics.compareExchange(s, 17, POSTED, REVOKED) === POSTED) {
          // The worker never picked the job up (failed to start, or starved): do it here.
          slot.dead = true;
          const [pm, pn, pa, pb, pc] = parts[i];
          call(pm, pn, pa, pb, pc, work);
          break;
        }
      }
      if (s[18] === 1) failed = true;
    }
    if (failed)
      throw new RnnkitError('BACKEND_FAILURE', 'cpu backend: a GEMM worker thread failed (a WebAssembly trap); this result is incomplete', {
        argument: 'backend',
      });
  }

  /** Stops the workers. */
  close(): void {
    for (const s of this.slots) {
      s.c[2] = 1;
      s.seq++;
      Atomics.store(s.c, 0, s.seq);
      Atomics.notify(s.c, 0);
      void s.worker.terminate();
    }
  }
}

/** A kernel-exports view whose gemm and gemmPacked split large products over `pool`. */
export function parallelKernels(k: KernelExports, pool: ThreadPool): KernelExports {
  return {
    ...k,
    gemm: (M, N, K, alpha, a, lda, transA, b, ldb, transB, c, ldc, accumulate, work) => {
      if (M * N * K < PARALLEL_MIN_WORK) k.gemm(M, N, K, alpha, a, lda, transA, b, ldb, transB, c, ldc, accumulate, work);
      else pool.run(k, -1, M, N, K, alpha, a, lda, transA, b, ldb, transB, c, ldc, accumulate, work);
    },
    gemmPacked: (M, N, K, alpha, a, lda, transA, bp, wide, c, ldc, accumulate, work) => {
      if (M * N * K < PARALLEL_MIN_WORK) k.gemmPacked(M, N, K, alpha, a, lda, transA, bp, wide, c, ldc, accumulate, work);
      else pool.run(k, wide ? 1 : 0, M, N, K, alpha, a, lda, transA, bp, 0, false, c, ldc, accumulate, work);
    },
  };
}

/**
 * Cores this process may use: Node's os.availableParallelism() (a guarded dynamic import, as
 * for worker_threads), else the browser's navigator.hardwareConcurrency, else 1.
 */
export async function availableCores(): Promise<number> {
  try {
    const specifier = 'node:os';
    const os = (await import(/* @vite-ignore */ specifier)) as { availableParallelism?: () => number; cpus(): unknown[] };
    return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  } catch {
    const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
    return Math.max(1, nav?.hardwareConcurrency ?? 1);
  }
}
