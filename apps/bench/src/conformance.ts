import type { Backend } from '@rnnkit/core';
import type { ConformanceCase } from '@rnnkit/core/testing';
import { caseData, conformanceCases, FORWARD_TOLERANCE, GRADIENT_TOLERANCE, referenceFor, runConformanceCase } from '@rnnkit/core/testing';
import { checkOnnxCase } from './anchors/onnxruntime.js';
import type { BenchConfig } from './config.js';
import type { Tools } from './discover.js';
import { withDeadline } from './guard.js';
import { firstLine } from './packages.js';
import type { Progress } from './progress.js';

/**
 * The conformance matrix: core's conformanceCases() × every backend that started, each case's
 * forward error against the float64 reference and gradient error against its central
 * differences, pass/fail at the documented tolerances; plus each case exported to ONNX and run
 * in onnxruntime-node against the same reference.
 */

export interface ConformanceRow {
  case: string;
  variant: string;
  backend: string;
  forwardError: number;
  gradError: number;
  worstGradient: string;
  leakedTensors: number;
  pass: boolean;
  ms: number;
  /** Set when the case threw instead of producing numbers. */
  error?: string;
  /** Not run by choice (quick mode's time budget): neither passed nor failed. */
  skipped?: boolean;
}

export interface OnnxRow {
  case: string;
  variant: string;
  /** max over the compared outputs of max|ort − reference| / max(1, max|reference|). */
  error: number;
  compared: string[];
  pass: boolean;
  ms: number;
  failure?: string;
}

export interface ConformanceSummary {
  backend: string;
  /** Cases run (skipped ones not counted). */
  cases: number;
  skipped: number;
  passed: number;
  maxForwardError: number;
  maxGradError: number;
  worstCase: string;
}

export interface ConformanceReport {
  tolerances: { forward: number; gradient: number; metric: string };
  selection: string;
  totalCases: number;
  rows: ConformanceRow[];
  summary: ConformanceSummary[];
  onnx: { available: boolean; reason?: string; rows: OnnxRow[]; summary?: { cases: number; passed: number; maxError: number; worstCase: string } };
}

const TINY = ['rnn_tanh L1 uni batchFirst', 'lstm L1 bi batchFirst lengths h0', 'gru L1 uni timeMajor lengths', 'gru_reset_before edge T=1'];

/** The quick subset: every 1-layer case, every reverse-only case (1 or 2 layers) and every edge except T=300, plus one 3-layer bidirectional case per cell variant. */
function inQuick(c: ConformanceCase): boolean {
  if (c.name.endsWith('edge T=300')) return false;
  if (c.spec.numLayers === 3) return / L3 bi timeMajor lengths h0$/.test(c.name);
  return true;
}

export const SELECTION_TEXT: Record<BenchConfig['conformance']['cases'], string> = {
  all: 'all of conformanceCases()',
  quick:
    'every 1-layer case, every reverse-only case and every edge case except T=300, plus one 3-layer bidirectional case (time-major, lengths, h0) per cell variant; --full runs all',
  tiny: `4 cases: ${TINY.join('; ')}`,
};

export function selectCases(which: BenchConfig['conformance']['cases']): { cases: ConformanceCase[]; total: number } {
  const all = conformanceCases();
  const cases = which === 'all' ? all : which === 'tiny' ? all.filter((c) => TINY.includes(c.name)) : all.filter(inQuick);
  return { cases, total: all.length };
}

export function variantOf(c: ConformanceCase): string {
  return c.name.split(' ')[0];
}

/** A case that takes longer than this on a backend counts as a hang; the backend's remaining cases are skipped. */
export const CASE_DEADLINE_MS = 120_000;

export async function runCase(be: Backend, label: string, c: ConformanceCase): Promise<ConformanceRow> {
  referenceFor(c); // memoized; computed here so the deadline covers only the backend's work
  const t0 = performance.now();
  const variant = variantOf(c);
  try {
    const r = await withDeadline(runConformanceCase(be, c), CASE_DEADLINE_MS, `case "${c.name}"`);
    return {
      case: c.name,
      variant,
      backend: label,
      forwardError: r.forwardError,
      gradError: r.gradError,
      worstGradient: r.worstGradient,
      leakedTensors: r.leakedTensors,
      pass: r.pass,
      ms: performance.now() - t0,
    };
  } catch (e) {
    return { ...failedRow(c, label, firstLine(e)), ms: performance.now() - t0 };
  }
}

function summarize(rows: ConformanceRow[], backend: string): ConformanceSummary {
  const all = rows.filter((r) => r.backend === backend);
  const mine = all.filter((r) => !r.skipped);
  let worst = mine[0];
  for (const r of mine)
    if (
      !worst ||
      r.gradError / GRADIENT_TOLERANCE + r.forwardError / FORWARD_TOLERANCE > worst.gradError / GRADIENT_TOLERANCE + worst.forwardError / FORWARD_TOLERANCE
    )
      worst = r;
  return {
    backend,
    cases: mine.length,
    skipped: all.length - mine.length,
    passed: mine.filter((r) => r.pass).length,
    maxForwardError: Math.max(0, ...mine.map((r) => r.forwardError)),
    maxGradError: Math.max(0, ...mine.map((r) => r.gradError)),
    worstCase: worst?.case ?? '',
  };
}

export function caseId(c: ConformanceCase): string {
  return `conformance:${c.name}`;
}

/** A row for a case that produced no numbers (skipped, or it crashed the backend's process). */
export function failedRow(c: ConformanceCase, backend: string, error: string): ConformanceRow {
  return {
    case: c.name,
    variant: variantOf(c),
    backend,
    forwardError: Infinity,
    gradError: Infinity,
    worstGradient: '',
    leakedTensors: 0,
    pass: false,
    ms: 0,
    error,
  };
}

export function onnxUnavailableReason(cfg: BenchConfig, tools: Tools): string | undefined {
  if (!cfg.conformance.onnx) return 'turned off (--no-onnx)';
  if (!tools.exportOnnx) return tools.statuses.find((s) => s.name === 'onnx-export')?.reason ?? 'onnx-export unavailable';
  if (!tools.ort) return tools.statuses.find((s) => s.name === 'onnxruntime-node')?.reason ?? 'onnxruntime-node unavailable';
  return undefined;
}

/** Each selected case exported to ONNX and run in onnxruntime-node against the float64 reference. */
export async function runOnnxChecks(cfg: BenchConfig, tools: Tools, progress: Progress): Promise<OnnxRow[]> {
  if (onnxUnavailableReason(cfg, tools)) return [];
  const { cases } = selectCases(cfg.conformance.cases);
  progress.phase('onnx check', cases.length);
  const rows: OnnxRow[] = [];
  for (const c of cases) {
    progress.tick(c.name);
    rows.push(await checkOnnxCase(tools, c, caseData(c), referenceFor(c)));
  }
  return rows;
}

export function conformanceReport(
  cfg: BenchConfig,
  rows: ConformanceRow[],
  labels: string[],
  onnxRows: OnnxRow[],
  onnxReason: string | undefined,
): ConformanceReport {
  const { total } = selectCases(cfg.conformance.cases);
  const onnxSummary = onnxRows.length
    ? {
        cases: onnxRows.length,
        passed: onnxRows.filter((r) => r.pass).length,
        maxError: Math.max(0, ...onnxRows.map((r) => r.error)),
        worstCase: onnxRows.reduce((a, r) => (r.error > a.error ? r : a), onnxRows[0]).case,
      }
    : undefined;
  return {
    tolerances: { forward: FORWARD_TOLERANCE, gradient: GRADIENT_TOLERANCE, metric: 'max|backend − reference| / max(1, max|reference|)' },
    selection: SELECTION_TEXT[cfg.conformance.cases],
    totalCases: total,
    rows,
    summary: labels.filter((l) => rows.some((r) => r.backend === l)).map((l) => summarize(rows, l)),
    onnx: { available: !onnxReason, ...(onnxReason ? { reason: onnxReason } : {}), rows: onnxRows, ...(onnxSummary ? { summary: onnxSummary } : {}) },
  };
}
