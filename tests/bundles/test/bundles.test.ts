import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { createTfjsBackend } from '@rnnkit/backend-tfjs';
import { chromiumUnavailable, launchChromium, pageProblems, skipOrFailInCi } from '@rnnkit/browser-harness';
import { exportOnnx } from '@rnnkit/onnx-export';
import { build as esbuild } from 'esbuild';
import type { Browser } from 'playwright-core';
import { createLogger, build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModel, type PageResult, predictOn } from '../src/model.js';

/**
 * What a browser user gets: core with each backend (and onnx-export) bundled from the built
 * packages by esbuild and by Vite, with nothing external and no warning, then run in headless
 * Chromium; the numbers must be finite and equal to what Node computes with the same engine.
 * Also the size budget of core + backend-cpu. Without Chromium the browser runs are skipped
 * with the reason, except in CI, where they fail.
 */
const here = dirname(fileURLToPath(import.meta.url));
/**
 * core + backend-cpu, minified and gzipped (KB = 1024 bytes): issue #15's budget, 45 KB (it
 * measured 38 KB). History (esbuild, this test's entry): 44.6 KB before the int8 work; 77.6 KB
 * after it (four embedded wasm builds, each past deflate's 32 KiB window); 49.4 KB once the builds
 * travel as one gzip stream; 44.6 KB since browser bundles carry only the two own-memory builds
 * and no thread pool (the shared-memory builds and the workers are the Node entry's, src/node.ts)
 * and the SIMD-ceiling loops moved to the bench. Of that, the wasm is 8.4 KB.
 */
const CPU_BUDGET = 45 * 1024;

const COMBOS = { cpu: 'cpu.ts', webgpu: 'webgpu.ts', tfjs: 'tfjs.ts', 'onnx-export': 'onnx.ts' } as const;
type Combo = keyof typeof COMBOS;
type Tool = 'esbuild' | 'vite';
interface Built {
  /** Output files by name; `bundle.js` is the entry. */
  files: Map<string, string>;
  warnings: string[];
  min: number;
  gzip: number;
}

const entry = (c: Combo) => join(here, '../src', COMBOS[c]);
const sizeOf = (files: Map<string, string>) => {
  let min = 0;
  let gzip = 0;
  for (const [name, code] of files) {
    if (!name.endsWith('.js')) continue;
    min += Buffer.byteLength(code);
    gzip += gzipSync(code, { level: 9 }).length;
  }
  return { min, gzip };
};

async function withEsbuild(c: Combo): Promise<Built> {
  const r = await esbuild({
    entryPoints: { bundle: entry(c) },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: '/out',
    logLevel: 'silent',
    metafile: true,
  });
  const warnings = r.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`);
  for (const out of Object.values(r.metafile!.outputs)) for (const i of out.imports) if (i.external) warnings.push(`external import ${i.path}`);
  const files = new Map(r.outputFiles.map((f) => [basename(f.path), f.text]));
  return { files, warnings, ...sizeOf(files) };
}

type Output = { output: ({ type: 'chunk'; fileName: string; code: string } | { type: 'asset'; fileName: string; source: string | Uint8Array })[] };

async function withVite(c: Combo): Promise<Built> {
  const warnings: string[] = [];
  const logger = createLogger('warn', { allowClearScreen: false });
  logger.warn = (msg) => warnings.push(msg);
  logger.warnOnce = (msg) => warnings.push(msg);
  logger.error = (msg) => warnings.push(`error: ${msg}`);
  // Rollup's warnings reach the logger through Vite's own filter, as a Vite user sees them.
  const out = (await viteBuild({
    configFile: false,
    root: here,
    base: './',
    logLevel: 'warn',
    customLogger: logger,
    build: {
      write: false,
      minify: 'esbuild',
      target: 'es2022',
      reportCompressedSize: false,
      // An application build (what a site ships), not library mode, which keeps whitespace.
      rollupOptions: {
        input: entry(c),
        output: { entryFileNames: 'bundle.js', chunkFileNames: '[name]-[hash].js', assetFileNames: '[name][extname]' },
      },
    },
  })) as Output | Output[];
  const files = new Map<string, string>();
  for (const o of (Array.isArray(out) ? out : [out]).flatMap((b) => b.output)) {
    if (o.type === 'chunk') files.set(o.fileName, o.code);
    else files.set(o.fileName, typeof o.source === 'string' ? o.source : Buffer.from(o.source).toString('latin1'));
  }
  return { files, warnings, ...sizeOf(files) };
}

const built = new Map<string, Built>();
const key = (c: Combo, t: Tool) => `${c} / ${t}`;

describe('browser bundles of core with each backend', () => {
  beforeAll(async () => {
    for (const c of Object.keys(COMBOS) as Combo[]) {
      built.set(key(c, 'esbuild'), await withEsbuild(c));
      built.set(key(c, 'vite'), await withVite(c));
    }
    const rows = [...built].map(([k, b]) => `| ${k} | ${(b.min / 1024).toFixed(1)} KB | ${(b.gzip / 1024).toFixed(1)} KB |`);
    console.log(`| bundle | min | min+gzip |\n|---|---|---|\n${rows.join('\n')}`);
  });

  it('build with esbuild and Vite with nothing external and no warnings', () => {
    expect(built.size).toBe(Object.keys(COMBOS).length * 2);
    for (const [k, b] of built) {
      expect(b.warnings, k).toEqual([]);
      expect(b.files.get('bundle.js'), k).toBeDefined();
      // Node-only code stays out: Dawn's binding, tfjs-node, node: built-ins as real imports.
      for (const code of b.files.values()) {
        expect(code, k).not.toContain('dawn.node');
        // No static import of a Node built-in (it would fail to load in a browser). Node-only
        // paths reach built-ins through guarded dynamic imports of a variable, which a
        // minifier may fold into import("node:…"); those never run in a browser.
        expect(code, k).not.toMatch(/\bfrom\s*["']node:|\bimport\s*["']node:/);
        // backend-cpu's worker threads are its Node entry's (the `node` condition): no thread pool
        // in a browser bundle. (tfjs-wasm's Emscripten glue names worker_threads on its own.)
        if (!k.startsWith('tfjs')) expect(code, k).not.toContain('worker_threads');
      }
    }
  });

  it(`core + backend-cpu stays within ${CPU_BUDGET / 1024} KB minified and gzipped`, () => {
    for (const t of ['esbuild', 'vite'] as const) expect(built.get(key('cpu', t))!.gzip, t).toBeLessThanOrEqual(CPU_BUDGET);
  });

  describe('in headless Chromium, equal to Node', () => {
    let browser: Browser | undefined;
    let server: http.Server | undefined;
    let base = '';
    const wasmDir = dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm')));
    /** What Node computes: backend-cpu without FMA, tfjs-wasm, the exported bytes. */
    const node: { cpu?: number[]; tfjs?: number[]; onnx?: number[] } = {};
    const noChromium = chromiumUnavailable();

    beforeAll(async () => {
      node.cpu = await predictOn(await createCpuBackend({ fma: false }));
      const tf = await createTfjsBackend({ engine: 'wasm' });
      node.tfjs = await predictOn(tf);
      node.onnx = Array.from(await exportOnnx(makeModel().to(await createCpuBackend({ fma: false }))));
      if (noChromium) return;
      // /<combo>/<tool>/<file> serves a build; /tfjs-wasm/ serves tfjs-backend-wasm's binaries;
      // anything else is a 404 (so a missing .wasm is missing, as on a misconfigured site).
      server = http.createServer((req, res) => {
        const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
        const parts = url.split('/').filter(Boolean);
        if (parts[0] === 'tfjs-wasm' && parts.length === 2 && /^[\w.-]+\.wasm$/.test(parts[1]) && existsSync(join(wasmDir, parts[1]))) {
          res.writeHead(200, { 'content-type': 'application/wasm' });
          return res.end(readFileSync(join(wasmDir, parts[1])));
        }
        if (parts.length === 3) {
          const b = built.get(`${parts[0]} / ${parts[1]}`);
          if (parts[2] === 'index.html' && b) {
            res.writeHead(200, { 'content-type': 'text/html' });
            return res.end(
              '<!doctype html><meta charset="utf-8"><title>rnnkit bundle</title><link rel="icon" href="data:,"><script type="module" src="bundle.js"></script>',
            );
          }
          const code = b?.files.get(parts[2]);
          if (code !== undefined) {
            res.writeHead(200, { 'content-type': parts[2].endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
            return res.end(parts[2].endsWith('.wasm') ? Buffer.from(code, 'latin1') : code);
          }
        }
        res.writeHead(404);
        res.end();
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      server?.close();
    });

    /** Loads one build in a fresh page and runs it; returns the result and the console's warnings and errors. */
    async function runPage(c: Combo, t: Tool, arg?: string): Promise<{ result: PageResult; console: string[] }> {
      const page = await browser!.newPage();
      const messages = pageProblems(page);
      try {
        await page.goto(`${base}/${c}/${t}/index.html`);
        await page.waitForFunction(() => typeof (globalThis as { rnnkitRun?: unknown }).rnnkitRun === 'function');
        const result = (await page.evaluate(
          (a) => (globalThis as unknown as { rnnkitRun: (a?: string) => Promise<PageResult> }).rnnkitRun(a),
          arg,
        )) as PageResult;
        return { result, console: messages };
      } finally {
        await page.close();
      }
    }

    const skipOrFail = (reason: string) => skipOrFailInCi('browser bundle test', reason);

    const scaledError = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(1, ...b.map(Math.abs));

    for (const t of ['esbuild', 'vite'] as const) {
      it(`${t}: core + backend-cpu gives Node's numbers bit for bit`, async () => {
        if (noChromium) return skipOrFail(noChromium);
        const { result, console: msgs } = await runPage('cpu', t);
        expect(msgs).toEqual([]);
        expect(result).toMatchObject({ engine: 'cpu-wasm-simd' });
        const data = (result as { data: number[] }).data;
        expect(data.length).toBe(4);
        expect(data.every(Number.isFinite)).toBe(true);
        expect(data).toEqual(node.cpu);
      });

      it(`${t}: core + backend-cpu + onnx-export writes the same ONNX bytes as Node`, async () => {
        if (noChromium) return skipOrFail(noChromium);
        const { result, console: msgs } = await runPage('onnx-export', t);
        expect(msgs).toEqual([]);
        const r = result as { data: number[]; bytes: number[] };
        expect(r.data).toEqual(node.cpu);
        expect(r.bytes.length).toBeGreaterThan(100);
        expect(r.bytes).toEqual(node.onnx);
      });

      it(`${t}: core + backend-tfjs on tfjs-wasm (wasmPaths) gives Node's tfjs-wasm numbers`, async () => {
        if (noChromium) return skipOrFail(noChromium);
        const { result, console: msgs } = await runPage('tfjs', t, '/tfjs-wasm/');
        expect(msgs).toEqual([]);
        expect(result).toMatchObject({ engine: 'tfjs-wasm' });
        const data = (result as { data: number[] }).data;
        expect(data.every(Number.isFinite)).toBe(true);
        expect(scaledError(data, node.tfjs!)).toBeLessThanOrEqual(1e-6);
      });

      it(`${t}: core + backend-tfjs without its .wasm files warns with the fix and runs on tfjs-cpu`, async () => {
        if (noChromium) return skipOrFail(noChromium);
        const { result, console: msgs } = await runPage('tfjs', t);
        expect(result).toMatchObject({ engine: 'tfjs-cpu' });
        const ours = msgs.filter((m) => m.startsWith('@rnnkit/backend-tfjs:'));
        expect(ours).toHaveLength(1);
        expect(ours[0]).toMatch(/tfjs-wasm: .*running on tfjs-cpu instead.*wasmPaths/);
        const data = (result as { data: number[] }).data;
        expect(data.every(Number.isFinite)).toBe(true);
        expect(scaledError(data, node.tfjs!)).toBeLessThanOrEqual(1e-5);
      });

      it(`${t}: core + backend-webgpu (navigator.gpu) agrees with Node's backend-cpu`, async () => {
        if (noChromium) return skipOrFail(noChromium);
        const { result, console: msgs } = await runPage('webgpu', t);
        if ('unavailable' in result) return skipOrFail(`no WebGPU adapter in Chromium: ${result.unavailable}`);
        expect(msgs).toEqual([]);
        expect(result.engine).toContain('navigator.gpu');
        expect(result.data.every(Number.isFinite)).toBe(true);
        expect(scaledError(result.data, node.cpu!)).toBeLessThanOrEqual(1e-5);
      });
    }
  });
});
