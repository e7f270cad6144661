import type { BenchConfig } from './config.js';
import type { ConformanceRow } from './conformance.js';
import { caseId, failedRow, runCase, selectCases } from './conformance.js';
import type { BackendName, BackendStatus } from './discover.js';
import { backendLabel, discoverBackend } from './discover.js';
import type { SpeedRow } from './speed.js';
import { backendSpeed, failedSpeedRow, pointWhere, speedPoints } from './speed.js';

/**
 * Everything the bench does with one backend — start it, run the conformance cases, time every
 * speed point — reporting as it goes. It runs in a child process (worker.ts) so that a backend
 * whose native code crashes takes only its own process down.
 */

export type WorkerEvent =
  | { type: 'status'; status: BackendStatus }
  | { type: 'begin'; id: string; task: string }
  | { type: 'conformance'; id: string; row: ConformanceRow }
  | { type: 'speed'; id: string; rows: SpeedRow[]; lastStep?: Float32Array }
  | { type: 'done' };

export interface BackendJob {
  cfg: BenchConfig;
  backend: BackendName;
  /** Task ids already done (or that crashed a previous process): not run again. */
  skip: string[];
}

/** Ids of every task of a job, in run order: conformance cases, then speed points. */
export function jobTaskIds(cfg: BenchConfig): string[] {
  const cases = cfg.conformance.enabled ? selectCases(cfg.conformance.cases).cases.map(caseId) : [];
  return [...cases, ...speedPoints(cfg).map((p) => p.id)];
}

export async function runBackendJob(job: BackendJob, emit: (e: WorkerEvent) => void): Promise<void> {
  const { cfg } = job;
  const skip = new Set(job.skip);
  const d = await discoverBackend(job.backend, { ...(cfg.tfjsEngine ? { tfjsEngine: cfg.tfjsEngine } : {}) });
  emit({ type: 'status', status: d.status });
  const be = d.backend;
  if (!be) {
    emit({ type: 'done' });
    return;
  }
  const label = backendLabel(d.status);
  let stalled: string | undefined;
  const hung = (msg: string | undefined) => msg?.includes('did not finish within');
  try {
    if (cfg.conformance.enabled) {
      const t0 = performance.now();
      const budget = cfg.conformance.budgetS;
      for (const c of selectCases(cfg.conformance.cases).cases) {
        const id = caseId(c);
        if (skip.has(id)) continue;
        if (budget !== undefined && performance.now() - t0 > budget * 1000) {
          const why = `skipped: the ${cfg.mode}-mode budget of ${budget} s of conformance per backend was used up (--full runs every case)`;
          emit({ type: 'conformance', id, row: { ...failedRow(c, label, why), skipped: true } });
          continue;
        }
        if (stalled) {
          emit({ type: 'conformance', id, row: failedRow(c, label, `skipped: ${stalled}`) });
          continue;
        }
        emit({ type: 'begin', id, task: c.name });
        const row = await runCase(be, label, c);
        if (hung(row.error)) stalled = `the backend hung earlier (${row.error})`;
        emit({ type: 'conformance', id, row });
      }
    }
    for (const p of speedPoints(cfg)) {
      if (skip.has(p.id)) continue;
      if (stalled) {
        emit({ type: 'speed', id: p.id, rows: [failedSpeedRow(cfg, p, label, `skipped: ${stalled}`)] });
        continue;
      }
      emit({ type: 'begin', id: p.id, task: pointWhere(p) });
      const r = await backendSpeed(cfg, be, label, p);
      const h = r.rows.find((x) => hung(x.failure));
      if (h) stalled = `the backend hung earlier (${h.failure})`;
      emit({ type: 'speed', id: p.id, rows: r.rows, ...(r.lastStep ? { lastStep: r.lastStep } : {}) });
    }
  } finally {
    try {
      be.destroy();
    } catch {
      // Shutting down is best effort; the results are already out.
    }
  }
  emit({ type: 'done' });
}
