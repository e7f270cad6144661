import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@rnnkit/core';
import { expectRnnkitError, randomArray } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import * as defaultEntry from '../src/index.js';
// What Node resolves (the `node` export condition): the same API, with worker threads.
import * as nodeEntry from '../src/node.js';
import { AUTO_MAX_THREADS, CpuBackend, type CpuRecurrentSaved, createCpuBackend, wasmSupport } from '../src/node.js';

describe('engine choice', () => {
  it('probes the runtime: Node 20 has SIMD128; relaxed SIMD only behind a V8 flag', () => {
    const s = wasmSupport();
    expect(s.simd).toBe(true);
    const flagged = process.execArgv.includes('--experimental-wasm-relaxed-simd');
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) expect(s.relaxedSimd).toBe(flagged);
  });

  it('uses the SIMD kernels by default, FMA where the runtime has relaxed SIMD', async () => {
    const be = await createCpuBackend();
    const info = be.info();
    expect(info.simd).toBe(true);
    expect(info.fma).toBe(wasmSupport().relaxedSimd);
    expect(info.engine).toBe(info.fma ? 'cpu-wasm-relaxed-simd' : 'cpu-wasm-simd');
    expect(info.threads).toBe(1);
  });

  it('forces the TypeScript kernels with simd: false and plain SIMD with fma: false', async () => {
    expect((await createCpuBackend({ simd: false })).info().engine).toBe('cpu-js');
    expect(new CpuBackend().info().engine).toBe('cpu-js');
    expect((await createCpuBackend({ fma: false })).info().engine).toBe('cpu-wasm-simd');
  });

  it('gives each backend its own kernel memory', async () => {
    const a = await createCpuBackend();
    const b = await createCpuBackend();
    const x = a.upload(
      Float32Array.from({ length: 64 * 64 }, (_, i) => i % 7),
      [64, 64],
    );
    const y = b.upload(
      Float32Array.from({ length: 64 * 64 }, (_, i) => i % 5),
      [64, 64],
    );
    const ax = a.readSync(a.matmul(x, x));
    b.matmul(y, y);
    expect(a.readSync(a.matmul(x, x))).toEqual(ax);
  });

  it('a destroyed backend refuses work', async () => {
    const be = await createCpuBackend();
    const x = be.upload(new Float32Array(4), [2, 2]);
    be.destroy();
    await expectRnnkitError(() => be.matmul(x, x), 'DISPOSED', 'cpu backend', 'destroyed');
  });
});

describe('browser safety', () => {
  it('no Node-only import on the package entry path', () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.ts')) files.push(join(d, e.name));
      }
    };
    walk(new URL('../src', import.meta.url).pathname);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      // worker_threads only through the guarded dynamic import in wasm/threads.ts (its worker's
      // own source, a string, may require it).
      const code = f.endsWith('threads.ts') ? text.replace(/const WORKER_SOURCE = `[^`]*`;/, '') : text;
      expect(code, f).not.toMatch(/from ['"]node:|require\(|from ['"](fs|path|url|worker_threads|os)['"]/);
      expect(code, f).not.toMatch(/\bprocess\.|\bBuffer\./);
    }
  });
});

describe('worker threads (threads: 2)', () => {
  it('starts a worker where worker_threads exist and gives the same bits as one thread', async () => {
    const one = await createCpuBackend({ threads: 1 });
    const two = await createCpuBackend({ threads: 2 });
    expect(one.info().threads).toBe(1);
    expect(two.info().threads).toBe(2);
    const rng = new Rng(21);
    // 300 · 260 · 270 multiply-adds: past PARALLEL_MIN_WORK, split by rows; 8 · 2100 · 300 split by columns.
    for (const [M, N, K] of [
      [300, 260, 270],
      [8, 2100, 300],
    ]) {
      const a = randomArray(rng, M * K);
      const b = randomArray(rng, K * N);
      const r1 = one.readSync(one.matmul(one.upload(a, [M, K]), one.upload(b, [K, N])));
      const r2 = two.readSync(two.matmul(two.upload(a, [M, K]), two.upload(b, [K, N])));
      expect(r2).toEqual(r1);
    }
    two.destroy();
    expect(two.info().threads).toBe(1);
  });

  it('runs the fused recurrent kernels split over threads with the same results', async () => {
    const one = await createCpuBackend({ threads: 1 });
    const two = await createCpuBackend({ threads: 2 });
    // B = 64, 4H = 512, H = 128: each step's GEMM (4.2M multiply-adds) is split.
    const T = 3,
      B = 64,
      D = 40,
      H = 128,
      G = 4;
    const rng = new Rng(22);
    const data = {
      x: randomArray(rng, T * B * D),
      h0: randomArray(rng, B * H),
      wih: randomArray(rng, G * H * D, -0.1, 0.1),
      whh: randomArray(rng, G * H * H, -0.1, 0.1),
      b: randomArray(rng, G * H),
      dy: randomArray(rng, T * B * H),
    };
    const run = (be: CpuBackend) => {
      const args = {
        cell: 'lstm' as const,
        gruResetAfter: true,
        x: be.upload(data.x, [T, B, D]),
        h0: be.upload(data.h0, [B, H]),
        weightIh: be.upload(data.wih, [G * H, D]),
        weightHh: be.upload(data.whh, [G * H, H]),
        biasIh: be.upload(data.b, [G * H]),
        training: true,
      };
      const f = be.recurrentForward(args);
      const g = be.recurrentBackward({ forward: args, saved: f.saved!, dy: be.upload(data.dy, [T, B, H]) });
      return [f.y, f.hN, g.dx!, g.dh0, g.dWeightIh, g.dWeightHh].map((t) => be.readSync(t));
    };
    const r1 = run(one);
    const r2 = run(two);
    for (const [i, r] of r2.entries()) expect(r).toEqual(r1[i]);
    two.destroy();
  });

  it('gives the same gradients whether the saved buffers stay in kernel memory or are copied out first', async () => {
    const be = await createCpuBackend();
    const other = await createCpuBackend();
    const js = new CpuBackend();
    const T = 5,
      B = 3,
      D = 6,
      H = 8;
    for (const [cell, G, resetAfter, lengths] of [
      ['lstm', 4, true, undefined],
      ['gru', 3, true, Int32Array.from([5, 2, 4])],
      ['gru', 3, false, undefined],
      ['rnn_tanh', 1, true, Int32Array.from([1, 5, 3])],
    ] as const) {
      const rng = new Rng(31);
      const data = {
        x: randomArray(rng, T * B * D),
        h0: randomArray(rng, B * H),
        wih: randomArray(rng, G * H * D, -0.3, 0.3),
        whh: randomArray(rng, G * H * H, -0.3, 0.3),
        b: randomArray(rng, G * H),
        dy: randomArray(rng, T * B * H),
      };
      const args = (k: CpuBackend) => ({
        cell,
        gruResetAfter: resetAfter,
        x: k.upload(data.x, [T, B, D]),
        h0: k.upload(data.h0, [B, H]),
        weightIh: k.upload(data.wih, [G * H, D]),
        weightHh: k.upload(data.whh, [G * H, H]),
        biasHh: k.upload(data.b, [G * H]),
        ...(lengths ? { lengths } : {}),
        training: true,
      });
      const grads = (k: CpuBackend, a: ReturnType<typeof args>, saved: NonNullable<ReturnType<CpuBackend['recurrentForward']>['saved']>) => {
        const g = k.recurrentBackward({ forward: a, saved, dy: k.upload(data.dy, [T, B, H]) });
        return [g.dx!, g.dh0, g.dWeightIh, g.dWeightHh, g.dBiasHh!].map((t) => k.readSync(t));
      };
      // Straight after the forward: read in place, and again (backward leaves them as they were).
      const a = args(be);
      const f = be.recurrentForward(a);
      // core wraps the kernel's saved value (its `inner`) to check backward against it
      const resident = (x: unknown) => (x as { inner: CpuRecurrentSaved }).inner.resident !== undefined;
      expect(resident(f.saved)).toBe(true);
      const inPlace = grads(be, a, f.saved!);
      expect(resident(f.saved)).toBe(true);
      expect(grads(be, a, f.saved!)).toEqual(inPlace);
      // A GEMM or a large elementwise op in between (a dense head, the loss) runs above them and
      // leaves them in place.
      const f2 = be.recurrentForward(a);
      const m = be.upload(randomArray(rng, 64 * 64), [64, 64]);
      be.readSync(be.matmul(m, m));
      be.readSync(be.sumSquares(be.sub(m, be.affine(m, 0.5, 1))));
      expect(resident(f2.saved)).toBe(true);
      expect(grads(be, a, f2.saved!)).toEqual(inPlace);
      // A second training forward evicts the first one's buffers.
      const f3 = be.recurrentForward(a);
      const f4 = be.recurrentForward(a);
      expect([resident(f3.saved), resident(f4.saved)]).toEqual([false, true]);
      expect(grads(be, a, f3.saved!)).toEqual(inPlace);
      expect(grads(be, a, f4.saved!)).toEqual(inPlace);
      // Another backend instance, of either engine, refuses them (core hands a kernel only its own forward's saved).
      const f5 = be.recurrentForward(a);
      await expectRnnkitError(() => grads(other, args(other), f5.saved!), 'INVALID_ARGUMENT', 'recurrentBackward: saved');
      await expectRnnkitError(() => grads(js, args(js), f5.saved!), 'INVALID_ARGUMENT', 'recurrentBackward: saved');
      expect(grads(be, a, f5.saved!)).toEqual(inPlace);
      // A disposed saved is refused and no longer held: the next call evicts nothing.
      const f7 = be.recurrentForward(a);
      f7.saved!.dispose();
      expect(() => be.recurrentBackward({ forward: a, saved: f7.saved!, dy: be.upload(data.dy, [T, B, H]) })).toThrow();
      expect(be.readSync(be.recurrentForward(a).y)).toEqual(be.readSync(f.y));
    }
  });

  it('rejects a thread count that is not a positive integer or auto, with or without SIMD', async () => {
    await expect(createCpuBackend({ threads: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createCpuBackend({ threads: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createCpuBackend({ simd: false, threads: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'threads' });
    await expect(createCpuBackend({ threads: 'many' as unknown as 'auto' })).rejects.toThrow(/threads: expected an integer ≥ 1 or 'auto', got "many"/);
  });

  it("threads: 'auto' starts one thread per available core, at most AUTO_MAX_THREADS", async () => {
    const be = await createCpuBackend({ threads: 'auto' });
    const cores = availableParallelism();
    expect(be.info().threads).toBe(Math.min(AUTO_MAX_THREADS, cores));
    be.destroy();
  });
});

describe('the two entries', () => {
  it('export the same names', () => {
    expect(Object.keys(nodeEntry).sort()).toEqual(Object.keys(defaultEntry).sort());
    expect(nodeEntry.CpuBackend).toBe(defaultEntry.CpuBackend);
  });

  it('the default entry (every runtime but Node: browser bundles) stays on one thread, as documented', async () => {
    for (const threads of [2, 'auto'] as const) {
      const be = await defaultEntry.createCpuBackend({ threads });
      expect(be.info().threads).toBe(1);
      expect(be.info().simd).toBe(true);
      be.destroy();
    }
    await expect(defaultEntry.createCpuBackend({ threads: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'threads' });
    expect(((await defaultEntry.cpuBackend.create()) as defaultEntry.CpuBackend).info().threads).toBe(1);
  });
});
