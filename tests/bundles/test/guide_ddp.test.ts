import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { chromiumUnavailable, launchChromium, pageProblems, skipOrFailInCi } from '@rnnkit/browser-harness';
import { lastStep, linear, loadModelBundle, loadWeights, lstm, parseSafetensors, safetensorsToFloat32, saveModelBundle, sequential } from '@rnnkit/core';
import { build as esbuild, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * docs/guides/distributed-training.md, section 3, run as written in headless Chromium: the
 * guide's ```js block is read from the markdown now (no copy), bundled by esbuild behind a small
 * entry that calls its `forecast(last16)`, and served with the DDP-trained model's bundle at
 * the path the block fetches, `/models/forecaster.safetensors`. The page's forecast must equal
 * Node's `loadModelBundle(bytes).to(cpu)` on the same 16 values within 1e-5 (and PyTorch's,
 * within the same tolerance, since the values are the committed probe's first row).
 */
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const fixtures = join(repo, 'tests/integration/fixtures/guides');
const TOLERANCE = 1e-5;

/** The guide's one ```js block, as the page shows it. */
function browserBlock(): string {
  const text = readFileSync(join(repo, 'docs/guides/distributed-training.md'), 'utf8');
  const blocks = [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  expect(blocks, 'the guide has exactly one ```js block').toHaveLength(1);
  return blocks[0];
}

/**
 * The deployment bundle the guide's section 2 writes, made the same way: its model, the DDP
 * weights under its prefixes, `saveModelBundle`.
 */
async function ddpBundle(): Promise<Uint8Array> {
  const model = sequential([lstm({ inputSize: 1, hiddenSize: 16, batchFirst: true }), lastStep(), linear({ outFeatures: 1 })]);
  loadWeights(model, new Uint8Array(readFileSync(join(fixtures, 'ddp_forecaster.safetensors'))), { prefixes: { 'rnn.': '0.', 'head.': '2.' } });
  const be = await createCpuBackend();
  try {
    model.to(be);
    return await saveModelBundle(model);
  } finally {
    model.dispose();
    be.destroy();
  }
}

/**
 * The page: an entry that imports `forecast` from the block and exposes it. The block is loaded
 * verbatim with one line appended, an export of the engine its `backend` runs on (the block
 * picks WebGPU or CPU itself; the test reports which).
 */
async function bundlePage(block: string): Promise<string> {
  const guide: Plugin = {
    name: 'guide-block',
    setup(b) {
      b.onResolve({ filter: /^guide:ddp$/ }, () => ({ path: 'distributed-training.md.js', namespace: 'guide' }));
      b.onLoad({ filter: /.*/, namespace: 'guide' }, () => ({
        contents: `${block}\nexport const guideEngine = () => String(backend.info().engine);\n`,
        loader: 'js',
        resolveDir: here,
      }));
    },
  };
  const r = await esbuild({
    stdin: {
      contents: [
        "import { forecast, guideEngine } from 'guide:ddp';",
        'globalThis.rnnkitRun = async (last16) => ({ value: await forecast(last16), engine: guideEngine() });',
      ].join('\n'),
      resolveDir: here,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [guide],
  });
  expect(r.warnings.map((w) => w.text)).toEqual([]);
  expect(r.outputFiles).toHaveLength(1);
  return r.outputFiles[0].text;
}

describe('distributed-training guide, section 3, in headless Chromium', () => {
  const noChromium = chromiumUnavailable();

  it("forecasts with the served DDP bundle, equal to Node's backend-cpu", async () => {
    // Bundled and saved even without Chromium: the block's imports must resolve for a browser build.
    const code = await bundlePage(browserBlock());
    const bundle = await ddpBundle();
    if (noChromium) return skipOrFailInCi('guide browser block test', noChromium);

    // The 16 values: the committed probe's first sequence ([4, 16, 1] → row 0), and PyTorch's output for it.
    const probe = parseSafetensors(new Uint8Array(readFileSync(join(fixtures, 'ddp_probe.safetensors'))));
    const last16 = Array.from(safetensorsToFloat32(probe.tensors.get('x')!, 'x').subarray(0, 16));
    const torch = safetensorsToFloat32(probe.tensors.get('y')!, 'y')[0];

    const cpu = await createCpuBackend();
    const model = loadModelBundle(bundle).to(cpu);
    const nodeValue = (await model.predict({ data: Float32Array.from(last16), shape: [1, 16, 1] })).data[0];
    model.dispose();
    cpu.destroy();

    // `/` the page, `/bundle.js` the build, `/models/forecaster.safetensors` the model; anything else 404.
    const served: Record<string, [string, string | Uint8Array]> = {
      '/': [
        'text/html',
        '<!doctype html><meta charset="utf-8"><title>forecast</title><link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>',
      ],
      '/bundle.js': ['text/javascript', code],
      '/models/forecaster.safetensors': ['application/octet-stream', bundle],
    };
    const server = http.createServer((req, res) => {
      const hit = served[(req.url ?? '/').split('?')[0]];
      if (!hit) {
        res.writeHead(404);
        return res.end();
      }
      res.writeHead(200, { 'content-type': hit[0] });
      res.end(hit[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems = pageProblems(page);
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => typeof (globalThis as { rnnkitRun?: unknown }).rnnkitRun === 'function');
      const got = (await page.evaluate(
        (v) => (globalThis as unknown as { rnnkitRun: (v: number[]) => Promise<{ value: number; engine: string }> }).rnnkitRun(v),
        last16,
      )) as { value: number; engine: string };
      console.log(`guide block in Chromium ran on ${got.engine}: ${got.value} (Node backend-cpu ${nodeValue}, PyTorch ${torch})`);
      expect(problems).toEqual([]);
      expect(Number.isFinite(got.value)).toBe(true);
      expect(Math.abs(got.value - nodeValue)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(got.value - torch)).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
