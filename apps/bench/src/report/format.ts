import type { BackendStatus } from '../discover.js';
import type { SpeedRow } from '../speed.js';

/** Number formats shared by the terminal, Markdown and HTML reports. */

export function fmtErr(e: number | undefined): string {
  if (e === undefined) return '–';
  if (!Number.isFinite(e)) return String(e);
  return e === 0 ? '0' : e.toExponential(1);
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

/** median [min–max] */
export function fmtTiming(r: SpeedRow | undefined): string {
  if (!r) return '–';
  if (r.failure) return 'failed';
  if (r.medianMs === undefined) return '–';
  return r.repeats && r.repeats > 1 ? `${fmtMs(r.medianMs)} [${fmtMs(r.minMs)}–${fmtMs(r.maxMs)}]` : fmtMs(r.medianMs);
}

export function fmtRate(v: number | undefined): string {
  if (v === undefined) return '–';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
}

export function fmtGflops(v: number | undefined): string {
  if (v === undefined) return '–';
  return v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Rows of one (series, cell, shape) group, keyed by engine then task. */
export interface SpeedGroup {
  series: SpeedRow['series'];
  cell: string;
  shapeLabel: string;
  engines: { engine: string; kind: SpeedRow['kind']; forward?: SpeedRow; train?: SpeedRow }[];
}

export function groupSpeed(rows: readonly SpeedRow[], series: SpeedRow['series']): SpeedGroup[] {
  const groups = new Map<string, SpeedGroup>();
  for (const r of rows) {
    if (r.series !== series) continue;
    const key = `${r.cell}|${r.shapeLabel}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { series, cell: r.cell, shapeLabel: r.shapeLabel, engines: [] }));
    let e = g.engines.find((x) => x.engine === r.engine);
    if (!e) g.engines.push((e = { engine: r.engine, kind: r.kind }));
    e[r.task] = r;
  }
  return [...groups.values()];
}

/** What to say about a row's numbers beside the timing: a failure, a note, or the output check. */
export function rowRemark(e: SpeedGroup['engines'][number]): string {
  const parts: string[] = [];
  for (const r of [e.forward, e.train]) if (r?.failure) parts.push(r.failure.startsWith('skipped') ? r.failure : `${r.task} failed: ${r.failure}`);
  const check = e.forward?.check;
  if (check) parts.push(`Δ vs ${check.against} ${fmtErr(check.maxAbsDiff)}`);
  const note = e.forward?.note ?? e.train?.note;
  if (note) parts.push(note);
  // webgpu: what one run sent to the device, so a reader sees why a figure is what it is.
  for (const r of [e.forward, e.train]) {
    const w = r?.work;
    if (w)
      parts.push(
        `${r.task === 'forward' ? 'fwd' : 'train'}: ${w.dispatches} dispatches, ${w.submits} submits${w.recurrentPath ? ` (${w.recurrentPath} path)` : ''}`,
      );
  }
  return parts.join('; ');
}

/** What a backend's status line says: its engine (and crashes) or why it is missing. `short` trims it for Markdown. */
export function backendStatusText(b: BackendStatus, short = false): string {
  const cut = (t: string, n: number) => (short && t.length > n ? `${t.slice(0, n - 1)}…` : t);
  if (!b.available) return cut(b.reason ?? '', 160);
  const n = b.crashes?.length ?? 0;
  const crashes = n ? `; its process crashed ${n}× and was restarted${short ? '' : ` (${b.crashes![0]})`}; full output in logs/${b.name}.log` : '';
  return `${cut(b.engine ?? '', 60)}${crashes}`;
}
