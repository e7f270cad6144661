import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromiumUnavailable, launchChromium, pageProblems, skipOrFailInCi } from '@rnnkit/browser-harness';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type { BrowserReport, ConformanceReport, F16Report } from './browser/page.js';

/**
 * The package in a real browser: headless Debian Chromium with WebGPU on SwiftShader runs a
 * forward pass and a training step on the webgpu backend and on backend-cpu in the same page.
 * Without Chromium (or WebGPU in it) the test is skipped with the reason, except in CI.
 */
const skipOrFail = (reason: string) => skipOrFailInCi('webgpu browser test', reason);

async function serve(bundle: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><title>rnnkit webgpu</title><script type="module" src="/bundle.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // WebGPU needs a secure context: http://127.0.0.1 is one.
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

/**
 * core/testing reads PyTorch fixtures with fs/path/url (`node:` or bare, as its build writes them);
 * the page runs only the generated cases, so these stubs stay unused (a fixture read throws).
 */
const stubNodeModules: Plugin = {
  name: 'stub-node-modules',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(fs|path|url)$/ }, (a) => ({ path: a.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: `const no = () => { throw new Error('node:fs is not available in the browser'); };
export const existsSync = () => false, readFileSync = no, readdirSync = no, fileURLToPath = (u) => String(u);
export const dirname = (p) => p, join = (...p) => p.join('/');
export default {};`,
      loader: 'js',
    }));
  },
};

/** The page bundle (test/browser/page.ts) for the browser. */
async function pageBundle(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [stubNodeModules],
  });
  return out.outputFiles[0].text;
}

describe('webgpu backend in headless Chromium', () => {
  it('forward pass and training step match backend-cpu; conformance and training conformance on both recurrent paths', async () => {
    const missing = chromiumUnavailable();
    if (missing) return skipOrFail(missing);
    const bundle = await pageBundle();
    expect(bundle).not.toContain('dawn.node'); // the Node-only binding stays out of browser bundles
    const server = await serve(bundle);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors = pageProblems(page);
      await page.goto(server.url);
      await page.waitForFunction(() => typeof (globalThis as { rnnkitRun?: unknown }).rnnkitRun === 'function');
      for (const path of ['sequence', 'step'] as const) {
        const report = (await page.evaluate((p) => (globalThis as unknown as { rnnkitRun: (p: string) => Promise<unknown> }).rnnkitRun(p), path)) as
          | BrowserReport
          | { unavailable: string };
        if ('unavailable' in report) return skipOrFail(`in Chromium: ${report.unavailable}`);
        console.log(`browser engine (${path} path): ${report.engine}; reference: ${report.reference}`);
        expect(report.engine).toContain('via navigator.gpu');
        const worst = Object.entries(report.errors).sort((a, b) => b[1] - a[1]);
        console.log(
          `largest webgpu vs cpu differences: ${worst
            .slice(0, 3)
            .map(([k, v]) => `${k} ${v.toExponential(2)}`)
            .join(', ')}`,
        );
        for (const [name, err] of Object.entries(report.errors)) {
          expect(err, name).toBeLessThanOrEqual(name.includes('output') || name.includes('hN') ? 1e-5 : 1e-4);
        }
        for (const [name, [before, after]] of Object.entries(report.losses)) expect(after, `${name} loss after the step`).toBeLessThan(before);
        expect(report.liveTensors).toBeGreaterThan(0); // params and results still held: the page keeps them
      }
      for (const path of ['sequence', 'step'] as const) {
        const started = Date.now();
        const c = (await page.evaluate((p) => (globalThis as unknown as { rnnkitConformance: (p: string) => Promise<unknown> }).rnnkitConformance(p), path)) as
          | ConformanceReport
          | { unavailable: string };
        if ('unavailable' in c) return skipOrFail(`in Chromium: ${c.unavailable}`);
        console.log(
          `Chromium, ${path} path: ${c.cases} conformance cases and ${c.trainingCases} training cases, ${c.failures.length} failed (${((Date.now() - started) / 1000).toFixed(0)} s; fused recurrent calls ${JSON.stringify(c.recurrent)})`,
        );
        expect(c.cases).toBe(230);
        expect(c.failures).toEqual([]);
        expect(c.recurrent[path]).toBeGreaterThan(0);
        expect(c.recurrent[path === 'step' ? 'sequence' : 'step']).toBe(0);
      }
      expect(errors.filter((e) => !/powerPreference/i.test(e))).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 1_500_000);

  it("precision f16: the conformance cases within the f16 bounds where the adapter has 'shader-f16', else skipped with the refusal", async () => {
    const missing = chromiumUnavailable();
    if (missing) return skipOrFail(missing);
    const server = await serve(await pageBundle());
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors = pageProblems(page);
      await page.goto(server.url);
      await page.waitForFunction(() => typeof (globalThis as { rnnkitF16?: unknown }).rnnkitF16 === 'function');
      const r = (await page.evaluate(() => (globalThis as unknown as { rnnkitF16: () => Promise<unknown> }).rnnkitF16())) as
        | F16Report
        | { missing: string }
        | { unavailable: string };
      if ('unavailable' in r) return skipOrFail(`in Chromium: ${r.unavailable}`);
      if ('missing' in r) {
        // An optional adapter feature, not a backend that can't start: a skip with the reason, in CI too.
        console.log(`skipped: f16 in Chromium: ${r.missing}`);
        expect(r.missing).toContain("'shader-f16'");
        return;
      }
      console.log(`Chromium f16 on ${r.engine}: ${r.cases} conformance cases, ${r.failures.length} over the f16 bounds`);
      expect(r.cases).toBe(230);
      expect(r.failures).toEqual([]);
      expect(errors.filter((e) => !/powerPreference/i.test(e))).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 1_500_000);
});
