import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuBackend, createCpuBackend, wasmSupport } from '../src/index.js';
import { expectError } from './helpers.js';

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
    const x = a.upload(Float32Array.from({ length: 64 * 64 }, (_, i) => i % 7), [64, 64]);
    const y = b.upload(Float32Array.from({ length: 64 * 64 }, (_, i) => i % 5), [64, 64]);
    const ax = a.readSync(a.matmul(x, x));
    b.matmul(y, y);
    expect(a.readSync(a.matmul(x, x))).toEqual(ax);
  });

  it('a destroyed backend refuses work', async () => {
    const be = await createCpuBackend();
    const x = be.upload(new Float32Array(4), [2, 2]);
    be.destroy();
    expectError(() => be.matmul(x, x), 'DISPOSED', 'a');
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
      expect(text, f).not.toMatch(/from ['"]node:|require\(|from ['"](fs|path|url|worker_threads|os)['"]/);
      expect(text, f).not.toMatch(/\bprocess\.|\bBuffer\./);
    }
  });
});
