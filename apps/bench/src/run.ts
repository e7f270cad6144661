import { join } from 'node:path';
import type { StartedLayers } from './anchors/tfjs_layers.js';
import { startTfjsLayers } from './anchors/tfjs_layers.js';
import type { BenchConfig } from './config.js';
import type { ConformanceRow } from './conformance.js';
import { conformanceReport, onnxUnavailableReason, runOnnxChecks } from './conformance.js';
import type { BackendStatus } from './discover.js';
import { backendLabel, discoverTools } from './discover.js';
import { jobTaskIds } from './backend_run.js';
import { runBackendIsolated } from './isolate.js';
import { machineInfo, packageVersions } from './machine.js';
import { Progress } from './progress.js';
import type { BenchReport } from './report/json.js';
import type { LastSteps, SpeedRow } from './speed.js';
import { crossCheck, keepLastStep, runAnchors, speedReport } from './speed.js';

export interface RunOptions {
  quiet?: boolean;
  /** Run backends in this process instead of one child process each (no crash isolation). */
  inProcess?: boolean;
}

/**
 * One bench run: each backend in its own process (start, conformance, speed), then the ONNX
 * check of every case and the anchors here. Returns the report; writing it is cli.ts's job.
 */
export async function runBench(cfg: BenchConfig, opts: RunOptions = {}): Promise<BenchReport> {
  const started = new Date();
  const t0 = performance.now();
  const progress = new Progress(opts.quiet);
  const tools = await discoverTools();
  const statuses: BackendStatus[] = [];
  const confRows: ConformanceRow[] = [];
  const speedRows: SpeedRow[] = [];
  const lastSteps: LastSteps = new Map();
  const tasks = jobTaskIds(cfg).length;
  for (const name of cfg.backends) {
    progress.phase(name, tasks);
    const o = await runBackendIsolated(
      cfg,
      name,
      {
        onStatus: (s) => progress.note(s.available ? `${name}: ${s.engine}` : `${name}: not available — ${s.reason}`),
        onBegin: (task) => progress.tick(task),
      },
      { ...(opts.inProcess ? { inProcess: true } : {}), logDir: join(cfg.outDir, 'logs') },
    );
    for (const c of o.crashes) progress.note(`${name}: process crashed (${c}); restarted`);
    statuses.push(o.status);
    confRows.push(...o.conformance);
    speedRows.push(...o.speed);
    for (const [id, out] of o.lastSteps) keepLastStep(lastSteps, id, backendLabel(o.status), out);
  }
  let layers: StartedLayers | undefined;
  try {
    const onnxRows = cfg.conformance.enabled ? await runOnnxChecks(cfg, tools, progress) : [];
    if (cfg.speed.enabled && cfg.anchors.tfjsLayers) {
      layers = await startTfjsLayers(statuses.find((s) => s.name === 'tfjs'));
      tools.statuses.push(layers.status);
    }
    const anchors = cfg.speed.enabled ? await runAnchors(cfg, tools, layers?.layers, lastSteps, progress) : undefined;
    progress.done();
    const labels = statuses.filter((s) => s.available).map(backendLabel);
    const conformance = cfg.conformance.enabled ? conformanceReport(cfg, confRows, labels, onnxRows, onnxUnavailableReason(cfg, tools)) : undefined;
    let speed;
    if (cfg.speed.enabled) {
      const rows = [...speedRows, ...(anchors?.rows ?? [])];
      crossCheck(rows, lastSteps, cfg);
      speed = speedReport(cfg, rows, anchors?.anchorChecks ?? []);
    }
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
      backends: statuses,
      tools: tools.statuses,
      ...(conformance ? { conformance } : {}),
      ...(speed ? { speed } : {}),
    };
  } finally {
    progress.done();
    layers?.release();
  }
}
