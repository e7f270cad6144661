import { roundUp, WasmArena } from './arena.js';
import { SHARED_KERNEL_BUILDS, SHARED_KERNELS_GZIP_BASE64, SHARED_MAX_PAGES } from './kernels_shared.generated.js';
import { compileBuild, type KernelBuildGroup, type KernelExports, type WasmKernels } from './load.js';
import { parallelKernels, ThreadPool } from './threads.js';

/**
 * The worker-thread form of the kernels (Node only: reached from src/node.ts, the package's
 * `node` export condition, so browser bundles carry neither these builds nor the thread pool).
 * The builds import one shared `env.memory`; every worker instantiates the same module on it.
 */

const SHARED_MEMORY: KernelBuildGroup<(typeof SHARED_KERNEL_BUILDS)[number][0]> = {
  gzipBase64: SHARED_KERNELS_GZIP_BASE64,
  builds: SHARED_KERNEL_BUILDS,
};

/**
 * The shared-memory build (relaxed when `fma`) with `threads − 1` workers joining its large
 * GEMMs; undefined where there is no shared memory or no worker_threads.
 */
export async function loadSharedKernels(fma: boolean, threads: number): Promise<WasmKernels | undefined> {
  if (typeof SharedArrayBuffer !== 'function') return undefined;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true });
  } catch {
    return undefined; // no shared memory here
  }
  const module = await compileBuild(SHARED_MEMORY, fma ? 'relaxedShared' : 'simdShared');
  const k = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as KernelExports;
  // Each worker's packing scratch sits below the arena, for the backend's lifetime.
  const workBytes = k.gemmWorkBytes();
  const base = roundUp(k.heapBase(), 64);
  const works = Array.from({ length: threads - 1 }, (_, i) => base + i * workBytes);
  const arenaBase = base + works.length * workBytes;
  const grow = Math.ceil(arenaBase / 65536) - memory.buffer.byteLength / 65536;
  if (grow > 0) memory.grow(grow);
  const pool = await ThreadPool.start(module, memory, works);
  if (!pool) return undefined;
  return {
    k: parallelKernels(k, pool),
    arena: new WasmArena(memory, arenaBase, SHARED_MAX_PAGES * 65536),
    fma: k.hasFma() === 1,
    threads: pool.threads,
    close: () => pool.close(),
  };
}
