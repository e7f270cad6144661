/**
 * End to end, as a user would: builds the page with Vite (when the build is missing or older
 * than its sources), serves it on 127.0.0.1, and drives Debian's headless Chromium with
 * playwright-core. Trains a GRU forecaster on WebGPU (SwiftShader) and an LSTM character model
 * on the CPU backend, checks that the loss falls and the charts draw, downloads each model's
 * ONNX export and runs it in onnxruntime-node against the page's own prediction, loads a
 * downloaded bundle back, opens a PyTorch .onnx forecaster (checked against onnxruntime on the
 * file) and trains it on, trains a seq2seq model on tfjs-wasm (its .wasm files served by the
 * page, no other host contacted), and keeps screenshots in test-artifacts/
 * (PLAYGROUND_SCREENSHOT=1 also rewrites the README's screenshot.png).
 *
 * Without Chromium the suite is skipped with a reason, except under CI, where it fails. Under
 * CI a WebGPU adapter is required too; elsewhere the WebGPU test is skipped saying why.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumUnavailable, launchChromium } from '@rnnkit/browser-harness';
import * as ort from 'onnxruntime-node';
import type { Browser, Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendStatus, Probe, TrainConfig } from '../src/shared.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const artifacts = join(root, 'test-artifacts');
const inCi = Boolean(process.env.CI);
const noChromium = chromiumUnavailable();
if (noChromium && !inCi) console.log(`playground e2e: skipped: ${noChromium}`);

interface PageState {
  ready: boolean;
  backends: BackendStatus[];
  losses: { step: number; loss: number }[];
  probes: Probe[];
  output: { kind: string } | undefined;
  runs: number;
  loads: number;
  errors: string[];
}
declare global {
  interface Window {
    __playground: PageState;
  }
}

/** Newest modification time under `dir` (files only). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) if (e !== 'node_modules') t = Math.max(t, newest(join(path, e)));
  return t;
}

/** Builds dist/ unless it is newer than the page's sources and the rnnkit packages' builds. */
async function buildIfStale(): Promise<string> {
  const built = newest(join(root, 'dist', 'index.html'));
  const inputs = [
    join(root, 'src'),
    join(root, 'index.html'),
    join(root, 'vite.config.ts'),
    ...['core', 'backend-cpu', 'backend-tfjs', 'backend-webgpu', 'onnx-export'].map((p) => resolve(root, '../../packages', p, 'dist')),
  ];
  const source = Math.max(...inputs.map(newest));
  if (built > source && process.env.PLAYGROUND_REBUILD !== '1') return 'dist/ is up to date';
  const t0 = performance.now();
  await build({ root, logLevel: 'warn', configFile: join(root, 'vite.config.ts') });
  return `built dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

const FIELDS = ['hiddenSize', 'numLayers', 'seqLen', 'batchSize', 'steps', 'lr', 'seed'] as const;

async function train(page: Page, c: TrainConfig): Promise<PageState> {
  await page.selectOption('#task', c.task);
  await page.check(`input[name=cell][value=${c.cell}]`);
  await page.selectOption('#backend', c.backend);
  for (const k of FIELDS) await page.fill(`#${k}`, String(c[k]));
  const runs = await page.evaluate(() => window.__playground.runs);
  await page.click('#train');
  await page.waitForFunction((n) => window.__playground.runs > n || window.__playground.errors.length > 0, runs, { timeout: 100_000, polling: 250 });
  const st = await page.evaluate(() => window.__playground);
  expect(st.errors).toEqual([]);
  return st;
}

function expectLossFalls(losses: { loss: number }[], steps: number): void {
  expect(losses.length).toBe(steps);
  const mean = (a: { loss: number }[]) => a.reduce((s, x) => s + x.loss, 0) / a.length;
  const first = mean(losses.slice(0, 3));
  const last = mean(losses.slice(-3));
  expect(losses.every((l) => Number.isFinite(l.loss))).toBe(true);
  expect(last).toBeLessThan(0.9 * first);
}

/** Pixels of the chart's canvas drawn in `rgb` (a series' stroke), so axes alone don't count. */
async function seriesPixels(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ([sel, [r, g, b]]) => {
      const canvas = document.querySelector(`${sel} canvas`) as HTMLCanvasElement | null;
      if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && Math.abs(px[i] - r) < 40 && Math.abs(px[i + 1] - g) < 40 && Math.abs(px[i + 2] - b) < 40) n++;
      return n;
    },
    [selector, rgb] as const,
  );
}

const BLUE: [number, number, number] = [37, 99, 235]; // the charts' first series

/** onnx-import's committed PyTorch fixture: torch.onnx.export of a 2-layer LSTM forecaster (input x, output y). */
const FORECASTER_ONNX = resolve(root, '../../packages/onnx-import/fixtures/torch_lstm_forecaster.onnx');

async function expectChartsDrawn(page: Page): Promise<void> {
  expect(await seriesPixels(page, '#loss-chart', BLUE)).toBeGreaterThan(100);
  expect(await seriesPixels(page, '#grad-chart', BLUE)).toBeGreaterThan(50);
}

async function download(page: Page, kind: string, model = 'model'): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click(`button[data-download=${kind}][data-model=${model}]`)]);
  const file = join(artifacts, dl.suggestedFilename());
  await dl.saveAs(file);
  return file;
}

/**
 * Runs the ONNX file on the probe's inputs; returns the largest error relative to the page's
 * output. `names` renames the probe's `input` and the file's `output` for a file rnnkit did not write.
 */
async function onnxError(file: string, probe: Probe, names: { input: string; output: string } = { input: 'input', output: 'output' }): Promise<number> {
  const session = await ort.InferenceSession.create(file);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [probeName, t] of Object.entries(probe.inputs)) {
    const name = probeName === 'input' ? names.input : probeName;
    feeds[name] =
      t.type === 'int64'
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from(t.data, (v) => BigInt(v)),
            t.shape,
          )
        : new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
  }
  const out = (await session.run(feeds))[names.output];
  expect([...out.dims]).toEqual(probe.output.shape);
  const got = out.data as Float32Array;
  const ref = probe.output.data;
  let err = 0;
  let scale = 1;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  await session.release();
  return err / scale;
}

describe.skipIf(noChromium !== undefined && !inCi)('playground in headless Chromium', () => {
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let webgpu: BackendStatus | undefined;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (noChromium) throw new Error(`CI: the playground's browser test needs Chromium: ${noChromium}`);
    mkdirSync(artifacts, { recursive: true });
    console.log(`playground e2e: ${await buildIfStale()}`);
    server = await preview({
      root,
      logLevel: 'warn',
      configFile: join(root, 'vite.config.ts'),
      preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
    });
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview gave no URL');
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') console.log(`page console: ${m.text()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(url) && !/^(blob|data):/.test(r.url())) foreignRequests.push(r.url());
    });
    await page.goto(url);
    await page.waitForFunction(() => window.__playground?.ready, undefined, { timeout: 60_000 });
    webgpu = (await page.evaluate(() => window.__playground.backends)).find((b) => b.name === 'webgpu');
    console.log(`playground e2e: WebGPU in headless Chromium: ${webgpu?.ok ? 'available' : 'unavailable'}: ${webgpu?.detail}`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.httpServer.close(() => r()) : r()));
  });

  it('trains a GRU forecaster on WebGPU: loss falls, charts draw, the ONNX export matches the page', async (ctx) => {
    if (!webgpu?.ok) {
      if (inCi) throw new Error(`CI: WebGPU did not start in headless Chromium: ${webgpu?.detail}`);
      console.log(`playground e2e: WebGPU test skipped: ${webgpu?.detail}`);
      ctx.skip();
    }
    const steps = 30;
    const st = await train(page, {
      task: 'forecast',
      cell: 'gru',
      backend: 'webgpu',
      hiddenSize: 16,
      numLayers: 1,
      seqLen: 16,
      batchSize: 32,
      steps,
      lr: 0.02,
      seed: 1,
    });
    expectLossFalls(st.losses, steps);
    expect(st.output?.kind).toBe('forecast');
    await expectChartsDrawn(page);
    expect(await seriesPixels(page, '#forecast-chart', BLUE)).toBeGreaterThan(100);
    expect(await page.textContent('#status')).toContain('webgpu');
    const onnx = await download(page, 'onnx');
    expect(await onnxError(onnx, st.probes[0])).toBeLessThan(1e-4);
    await page.screenshot({ path: join(artifacts, 'forecast-webgpu.png'), fullPage: true });
    if (process.env.PLAYGROUND_SCREENSHOT === '1') await page.screenshot({ path: join(root, 'screenshot.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('trains an LSTM character model on the CPU backend, exports ONNX, loads its bundle back', async () => {
    const steps = 40;
    const st = await train(page, {
      task: 'charlm',
      cell: 'lstm',
      backend: 'cpu',
      hiddenSize: 32,
      numLayers: 2,
      seqLen: 24,
      batchSize: 16,
      steps,
      lr: 0.03,
      seed: 1,
    });
    expectLossFalls(st.losses, steps);
    expect(st.output?.kind).toBe('charlm');
    await expectChartsDrawn(page);
    expect((await page.textContent('#output'))!.length).toBeGreaterThan(100);
    const onnx = await download(page, 'onnx');
    expect(await onnxError(onnx, st.probes[0])).toBeLessThan(1e-4);

    const bundle = await download(page, 'bundle');
    await page.screenshot({ path: join(artifacts, 'charlm-cpu.png'), fullPage: true });
    await page.selectOption('#task', 'forecast'); // the load must restore the task from the file
    await page.setInputFiles('#load', bundle);
    await page.waitForFunction(() => window.__playground.loads > 0 || window.__playground.errors.length > 0, undefined, { timeout: 60_000 });
    const after = await page.evaluate(() => window.__playground);
    expect(after.errors).toEqual([]);
    expect(await page.inputValue('#task')).toBe('charlm');
    expect(after.output?.kind).toBe('charlm');
    const a = after.probes[0].output.data;
    const b = st.probes[0].output.data;
    expect(a.length).toBe(b.length);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-5);
    expect(pageErrors).toEqual([]);
  });

  it('opens a PyTorch ONNX forecaster (.onnx): the page computes what onnxruntime computes on the file, trains on, exports again', async () => {
    await page.selectOption('#backend', 'cpu');
    await page.selectOption('#task', 'charlm'); // the load must set the task from the file
    const loads = await page.evaluate(() => window.__playground.loads);
    await page.setInputFiles('#load', FORECASTER_ONNX);
    await page.waitForFunction((n) => window.__playground.loads > n || window.__playground.errors.length > 0, loads, { timeout: 60_000 });
    const st = await page.evaluate(() => window.__playground);
    expect(st.errors).toEqual([]);
    expect(await page.inputValue('#task')).toBe('forecast');
    expect(st.output?.kind).toBe('forecast');
    // The file as PyTorch wrote it (input x, output y), in onnxruntime, against the page's probe.
    expect(await onnxError(FORECASTER_ONNX, st.probes[0], { input: 'x', output: 'y' })).toBeLessThan(1e-4);

    // Continue trains the opened model on the page's data; its ONNX download matches the page again.
    const runs = st.runs;
    await page.fill('#steps', '10');
    await page.click('#resume');
    await page.waitForFunction((n) => window.__playground.runs > n || window.__playground.errors.length > 0, runs, { timeout: 100_000, polling: 250 });
    const tuned = await page.evaluate(() => window.__playground);
    expect(tuned.errors).toEqual([]);
    expect(tuned.losses.length).toBe(10);
    expect(tuned.losses.every((l) => Number.isFinite(l.loss))).toBe(true);
    expect(tuned.probes[0].output.data).not.toEqual(st.probes[0].output.data);
    expect(await onnxError(await download(page, 'onnx'), tuned.probes[0])).toBeLessThan(1e-4);
    await page.screenshot({ path: join(artifacts, 'onnx-forecaster-cpu.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('trains a GRU seq2seq model on tfjs-wasm from local files; encoder and decoder ONNX exports match', async () => {
    const steps = 30;
    const st = await train(page, {
      task: 'seq2seq',
      cell: 'gru',
      backend: 'tfjs-wasm',
      hiddenSize: 32,
      numLayers: 1,
      seqLen: 3,
      batchSize: 50,
      steps,
      lr: 0.02,
      seed: 1,
    });
    expectLossFalls(st.losses, steps);
    expect(st.output?.kind).toBe('seq2seq');
    expect(await page.textContent('#status')).toContain('tfjs-wasm');
    expect(await page.locator('#output table tbody tr').count()).toBe(10);
    await expectChartsDrawn(page);
    for (const probe of st.probes) expect(await onnxError(await download(page, 'onnx', probe.model), probe)).toBeLessThan(1e-4);
    await page.screenshot({ path: join(artifacts, 'seq2seq-tfjs-wasm.png'), fullPage: true });
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
