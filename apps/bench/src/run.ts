import type { TfjsLayers } from './anchors/tfjs_layers.js';
import { startTfjsLayers } from './anchors/tfjs_layers.js';
import type { BenchConfig } from './config.js';
import { runConformance } from './conformance.js';
import { discoverBackends, discoverTools } from './discover.js';
import { machineInfo, packageVersions } from './machine.js';
import { Progress } from './progress.js';
import type { BenchReport } from './report/json.js';
import { runSpeed } from './speed.js';

/**
 * One bench run: discover, conformance matrix, speed with anchors. Returns the report; writing
 * it out is the caller's business (cli.ts), so tests can run it in-process.
 */
export async function runBench(cfg: BenchConfig, opts: { quiet?: boolean } = {}): Promise<BenchReport> {
  const started = new Date();
  const t0 = performance.now();
  const progress = new Progress(opts.quiet);
  progress.phase('discover', cfg.backends.length + 2);
  const backends = await discoverBackends(cfg.backends, { ...(cfg.tfjsEngine ? { tfjsEngine: cfg.tfjsEngine } : {}) });
  progress.tick('onnx-export, onnxruntime-node');
  const tools = await discoverTools();
  let layers: TfjsLayers | undefined;
  if (cfg.speed.enabled && cfg.anchors.tfjsLayers) {
    progress.tick('tfjs-layers');
    const started = await startTfjsLayers(backends.find((b) => b.status.name === 'tfjs'));
    tools.statuses.push(started.status);
    layers = started.layers;
  }
  for (const b of backends) if (!b.status.available) progress.note(`${b.status.name}: not available — ${b.status.reason}`);
  try {
    const conformance = cfg.conformance.enabled ? await runConformance(cfg, backends, tools, progress) : undefined;
    const speed = cfg.speed.enabled ? await runSpeed(cfg, backends, tools, layers, progress) : undefined;
    progress.done();
    const { outDir: _out, ...config } = cfg;
    return {
      schema: 'rnnkit.bench/1',
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      durationS: (performance.now() - t0) / 1000,
      mode: cfg.mode,
      config,
      machine: machineInfo(),
      versions: packageVersions(),
      backends: backends.map((b) => b.status),
      tools: tools.statuses,
      ...(conformance ? { conformance } : {}),
      ...(speed ? { speed } : {}),
    };
  } finally {
    progress.done();
    for (const b of backends) {
      try {
        b.backend?.destroy();
      } catch {
        // A backend that fails to shut down must not hide the report.
      }
    }
  }
}
