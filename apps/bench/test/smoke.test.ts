import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxruntimeSpeed } from '../src/anchors/onnxruntime.js';
import type { CliOptions } from '../src/cli.js';
import { benchAndWrite, configFrom, program } from '../src/cli.js';
import { BACKEND_NAMES, discoverTools } from '../src/discover.js';
import { runBackendIsolated } from '../src/isolate.js';
import type { BenchReport } from '../src/report/json.js';
import { renderTerminal } from '../src/report/terminal.js';
import { makeWorkload } from '../src/workload.js';

/**
 * Smoke test: the bench runs end to end in --tiny mode and writes reports of the documented
 * structure. Structure only: no assertion here depends on how fast anything ran.
 */

const out = mkdtempSync(join(tmpdir(), 'rnnkit-bench-'));
let report: BenchReport;
let files: string[];

function options(argv: string[]): CliOptions {
  const p = program()
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  p.parse(['node', 'rnnkit-bench', ...argv]);
  return p.opts<CliOptions>();
}

beforeAll(async () => {
  // cpu only: the other backends may be unbuilt or slow here; discovery of all of them is tested below.
  const cfg = configFrom(options(['--tiny', '--backends', 'cpu', '--out', out, '--quiet']));
  ({ report, files } = await benchAndWrite(cfg, { quiet: true }));
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('bench --tiny', () => {
  it('writes bench.json, bench.html and bench.md into --out', () => {
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual(['bench.html', 'bench.json', 'bench.md']);
    for (const f of files) expect(existsSync(f)).toBe(true);
  });

  it('JSON has the machine, versions, statuses and every section', () => {
    const j = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(j.schema).toBe('rnnkit.bench/1');
    expect(j.mode).toBe('tiny');
    expect(Object.keys(j)).toEqual(
      expect.arrayContaining(['startedAt', 'finishedAt', 'durationS', 'config', 'machine', 'versions', 'backends', 'tools', 'conformance', 'speed']),
    );
    expect(Object.keys(j.machine)).toEqual(expect.arrayContaining(['cpuModel', 'cores', 'memoryGiB', 'node', 'os']));
    expect(j.versions['@rnnkit/core']).toMatch(/^\d+\.\d+\.\d+/);
    expect(j.backends).toHaveLength(1);
    const cpu = j.backends[0];
    expect(cpu.name).toBe('cpu');
    // Either it ran, or the report says why not.
    expect(cpu.available ? typeof cpu.engine : typeof cpu.reason).toBe('string');
    expect(j.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['onnx-export', 'onnxruntime-node', 'tfjs-layers']));
    for (const t of j.tools) expect(t.available || typeof t.reason === 'string').toBe(true);
  });

  it('conformance rows carry errors, tolerances and pass/fail', () => {
    const c = report.conformance!;
    expect(c.tolerances.forward).toBeGreaterThan(0);
    expect(c.tolerances.gradient).toBeGreaterThan(0);
    expect(c.totalCases).toBeGreaterThan(c.rows.length);
    if (report.backends[0].available) {
      expect(c.rows).toHaveLength(4);
      for (const r of c.rows) expect(Object.keys(r)).toEqual(expect.arrayContaining(['case', 'backend', 'forwardError', 'gradError', 'pass']));
      expect(c.summary).toHaveLength(1);
    }
    if (c.onnx.available) expect(c.onnx.rows).toHaveLength(4);
    else expect(typeof c.onnx.reason).toBe('string');
  });

  it('speed rows carry median, min, max, steps/s and GFLOPS for forward and training', () => {
    const rows = report.speed!.rows;
    expect(rows.length).toBeGreaterThan(0);
    const done = rows.filter((r) => r.medianMs !== undefined);
    for (const r of done) {
      expect(r.minMs!).toBeLessThanOrEqual(r.medianMs!);
      expect(r.maxMs!).toBeGreaterThanOrEqual(r.medianMs!);
      expect(r.stepsPerSec).toBeGreaterThan(0);
      expect(r.gflops).toBeGreaterThan(0);
      expect(r.flops).toBeGreaterThan(0);
    }
    for (const r of rows.filter((x) => x.medianMs === undefined)) expect(typeof r.failure).toBe('string');
    if (report.backends[0].available) {
      const cpu = rows.filter((r) => r.kind === 'backend' && r.series === 'standard' && !r.engine.endsWith(' int8'));
      expect(cpu.map((r) => r.task).sort()).toEqual(['forward', 'train']);
      // backend-cpu's wasm engines run int8 with their own kernels: a forward row beside float32.
      if (report.backends[0].info?.quantized === 'native') {
        const int8 = rows.filter((r) => r.kind === 'backend' && r.series === 'standard' && r.engine.endsWith(' int8'));
        expect(int8.map((r) => r.task)).toEqual(['forward']);
        expect(int8[0].check?.against).toBe(cpu[0].engine);
        expect(int8[0].note).toMatch(/KiB float32 → .* KiB int8/);
      }
    }
    // onnxruntime on the float32 export and on the { quantized: 'int8' } export (DynamicQuantizeLSTM), with the files' sizes.
    const ort = rows.filter((r) => r.kind === 'anchor' && r.series === 'standard' && r.engine.startsWith('onnxruntime '));
    if (ort.some((r) => r.medianMs !== undefined)) {
      const f32 = ort.find((r) => r.engine === 'onnxruntime 1t')!;
      expect(f32.note).toMatch(/^float32 \.onnx \d+ KiB/);
      const i8 = ort.find((r) => r.engine === 'onnxruntime int8 1t')!;
      expect(i8.medianMs).toBeGreaterThan(0);
      expect(i8.note).toMatch(/^DynamicQuantizeLSTM; int8 \.onnx \d+ KiB vs float32 \d+ KiB \(\d\.\d× smaller\)/);
      expect(i8.check?.maxAbsDiff).toBeLessThan(0.05); // the int8 model's output against the first engine's float32 one
    }
    expect(new Set(rows.map((r) => r.series))).toEqual(new Set(['standard', 'T', 'H']));
  });

  it('HTML is self-contained with SVG charts and no network references', () => {
    const html = readFileSync(join(out, 'bench.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('Conformance');
    expect(html).toContain('Speed');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:/);
  });

  it('the terminal report names the machine and every section', () => {
    const text = renderTerminal(report);
    expect(text).toContain('Machine:');
    expect(text).toContain('Conformance:');
    expect(text).toContain('Speed (standard shapes)');
  });
});

describe('discovery', () => {
  it('reports every backend as started or with the reason it is missing, each in its own process', async () => {
    const cfg = configFrom(options(['--tiny', '--out', out, '--no-conformance', '--no-speed']));
    for (const name of BACKEND_NAMES) {
      const o = await runBackendIsolated(cfg, name);
      expect(o.status.name).toBe(name);
      if (o.status.available) expect(o.status.engine).toMatch(/\S/);
      else expect(o.status.reason).toMatch(/\S/);
      expect(o.conformance).toEqual([]);
      expect(o.speed).toEqual([]);
    }
  });
});

describe('flags', () => {
  it('quick is the default; --full and --tiny choose the others; flags narrow', () => {
    expect(configFrom(options([])).mode).toBe('quick');
    expect(configFrom(options(['--full'])).shapes).toHaveLength(4);
    const c = configFrom(options(['--backends', 'cpu,tfjs', '--cells', 'gru', '--shapes', '1', '64,32,16,8', '--no-series', '--no-train']));
    expect(c.backends).toEqual(['cpu', 'tfjs']);
    expect(c.cells).toEqual(['gru']);
    expect(c.shapes).toEqual([
      { D: 32, H: 128, T: 128, B: 1 },
      { D: 64, H: 32, T: 16, B: 8 },
    ]);
    expect(c.series).toBeUndefined();
    expect(c.speed.training).toBe(false);
    expect(c.speed.int8).toBe(true);
    const d = configFrom(options(['--no-int8', '--ort-only']));
    expect(d.speed.int8).toBe(false);
    expect(d.anchors).toMatchObject({ onnxruntime: true, tfjsLayers: false });
    expect(() => options(['--backends', 'cuda'])).toThrow(/cuda/);
  });
});

describe('rounds', () => {
  it('merges rounds into the median of their medians, keeping the first round order and any failure', async () => {
    const { mergeRounds } = await import('../src/run.js');
    const base = {
      series: 'standard' as const,
      cell: 'lstm' as const,
      shape: { D: 1, H: 2, T: 3, B: 4 },
      shapeLabel: '1,2,3,4',
      kind: 'backend' as const,
      task: 'forward' as const,
      flops: 1,
    };
    const row = (engine: string, medianMs: number, extra = {}) => ({
      ...base,
      engine,
      medianMs,
      minMs: medianMs - 1,
      maxMs: medianMs + 1,
      repeats: 5,
      stepsPerSec: 12_000 / medianMs,
      gflops: 1 / medianMs,
      ...extra,
    });
    const merged = mergeRounds([
      [row('a', 10), row('b', 4)],
      [row('b', 6), row('a', 30)],
      [row('a', 20), row('b', 1, { failure: 'boom', medianMs: undefined })],
    ]);
    expect(merged.map((r) => r.engine)).toEqual(['a', 'b']);
    expect(merged[0]).toMatchObject({ medianMs: 20, minMs: 9, maxMs: 31, repeats: 15 });
    expect(merged[0].stepsPerSec).toBeCloseTo(600);
    expect(merged[1].failure).toBe('boom');
  });

  it('onnxruntime int8 rows: LSTM runs the DynamicQuantizeLSTM export; GRU and RNN say why there is none', async () => {
    const tools = await discoverTools();
    if (!tools.ort || !tools.exportOnnx) {
      console.log('skipped: onnxruntime-node or @rnnkit/onnx-export is not available here');
      return;
    }
    const timing = { warmup: 0, warmupMs: 0, repeats: 1, minMs: 0, budgetMs: 1_000 };
    const shape = { D: 4, H: 8, T: 3, B: 2 };
    const lstmRuns = await onnxruntimeSpeed(tools, makeWorkload('lstm', shape, 1), [1], timing, true);
    expect(lstmRuns.map((r) => r.anchor)).toEqual(['onnxruntime 1t', 'onnxruntime int8 1t']);
    expect(lstmRuns.every((r) => r.stats && r.lastStep && !r.failure)).toBe(true);
    for (const cell of ['gru', 'rnn_tanh'] as const) {
      const runs = await onnxruntimeSpeed(tools, makeWorkload(cell, shape, 1), [1, 2], timing, true);
      expect(runs.map((r) => r.anchor)).toEqual(['onnxruntime 1t', 'onnxruntime 2t']);
      expect(runs[0].note).toMatch(/^float32 \.onnx \d+ KiB; no onnxruntime int8 row: onnxruntime has no int8 GRU\/RNN op/);
    }
    // without int8, no int8 row
    expect((await onnxruntimeSpeed(tools, makeWorkload('lstm', shape, 1), [1], timing)).map((r) => r.anchor)).toEqual(['onnxruntime 1t']);
  });
});
