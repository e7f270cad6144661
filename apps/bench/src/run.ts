import { join } from 'node:path';
import type { StartedLayers } from './anchors/tfjs_layers.js';
import { startTfjsLayers } from './anchors/tfjs_layers.js';
import { jobTaskIds } from './backend_run.js';
import type { BenchConfig } from './config.js';
import type { ConformanceRow } from './conformance.js';
import { conformanceReport, onnxUnavailableReason, runOnnxChecks } from './conformance.js';
import type { BackendStatus } from './discover.js';
import { backendLabel, discoverTools } from './discover.js';
import { runBackendIsolated } from './isolate.js';
import { machineInfo, packageVersions } from './machine.js';
import { Progress } from './progress.js';
import type { BenchReport } from './report/json.js';
import type { LastSteps, SpeedReport, SpeedRow } from './speed.js';
import { crossCheck, keepLastStep, runAnchors, speedReport } from './speed.js';
import { median } from './timing.js';

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
    // Further rounds of the speed section alone: every backend that started, then the anchors.
    const rounds: SpeedRow[][] = [[...speedRows, ...(anchors?.rows ?? [])]];
    const speedOnly: BenchConfig = { ...cfg, conformance: { ...cfg.conformance, enabled: false } };
    for (let round = 1; cfg.speed.enabled && round < cfg.speed.rounds; round++) {
      const rows: SpeedRow[] = [];
      for (const st of statuses.filter((x) => x.available)) {
        progress.phase(`${st.name} (round ${round + 1} of ${cfg.speed.rounds})`, jobTaskIds(speedOnly).length);
        const o = await runBackendIsolated(
          speedOnly,
          st.name,
          { onBegin: (task) => progress.tick(task) },
          { ...(opts.inProcess ? { inProcess: true } : {}), logDir: join(cfg.outDir, 'logs') },
        );
        rows.push(...o.speed);
      }
      const more = await runAnchors(cfg, tools, layers?.layers, new Map(), progress);
      rows.push(...more.rows);
      rounds.push(rows);
    }
    progress.done();
    const labels = statuses.filter((s) => s.available).map(backendLabel);
    const conformance = cfg.conformance.enabled ? conformanceReport(cfg, confRows, labels, onnxRows, onnxUnavailableReason(cfg, tools)) : undefined;
    let speed: SpeedReport | undefined;
    if (cfg.speed.enabled) {
      const rows = mergeRounds(rounds);
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

/**
 * One row per measurement from several rounds: the median of the rounds' medians, the smallest
 * min and largest max, all their timed runs counted; a measurement that failed in any round
 * keeps the first failure. Rows keep the first round's order, checks and notes.
 */
export function mergeRounds(rounds: SpeedRow[][]): SpeedRow[] {
  if (rounds.length === 1) return rounds[0];
  const key = (r: SpeedRow) => [r.series, r.cell, r.shapeLabel, r.engine, r.task].join('|');
  const byKey = new Map<string, SpeedRow[]>();
  for (const rows of rounds) for (const r of rows) byKey.set(key(r), [...(byKey.get(key(r)) ?? []), r]);
  return rounds[0].map((first) => {
    const all = byKey.get(key(first))!;
    const failed = all.find((r) => r.failure !== undefined || r.medianMs === undefined);
    if (failed) return failed;
    const medianMs = median(all.map((r) => r.medianMs!));
    const scale = first.medianMs! / medianMs;
    return {
      ...first,
      medianMs,
      minMs: Math.min(...all.map((r) => r.minMs ?? r.medianMs!)),
      maxMs: Math.max(...all.map((r) => r.maxMs ?? r.medianMs!)),
      repeats: all.reduce((n, r) => n + (r.repeats ?? 1), 0),
      ...(first.stepsPerSec !== undefined ? { stepsPerSec: first.stepsPerSec * scale } : {}),
      ...(first.gflops !== undefined ? { gflops: first.gflops * scale } : {}),
    };
  });
}
