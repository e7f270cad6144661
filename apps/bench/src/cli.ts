#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BenchConfig, BenchShape, Mode, SpeedCell } from './config.js';
import { defaultConfig, parseShape, SPEED_CELLS, STANDARD_SHAPES } from './config.js';
import type { BackendName } from './discover.js';
import { BACKEND_NAMES } from './discover.js';
import { writeHtml } from './report/html.js';
import type { BenchReport } from './report/json.js';
import { readJson, writeJson } from './report/json.js';
import { writeMarkdown } from './report/markdown.js';
import { renderTerminal } from './report/terminal.js';
import type { RunOptions } from './run.js';
import { runBench } from './run.js';

/** `rnnkit-bench`: flags → config → run → terminal tables, JSON, HTML and Markdown reports. */

export const DEFAULT_OUT = fileURLToPath(new URL('../results/', import.meta.url));

function list<T extends string>(allowed: readonly T[], flag: string) {
  return (value: string): T[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const i of items)
      if (!allowed.includes(i as T)) throw new InvalidArgumentError(`${flag}: expected a comma-separated list of ${allowed.join(', ')}, got "${i}"`);
    return items as T[];
  };
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag}: expected a non-negative integer, got "${v}"`);
    return n;
  };
}

/** `2` is the second standard shape; `32,128,128,32` is a shape. */
function shapeArg(v: string): BenchShape {
  if (/^\d$/.test(v)) {
    const s = STANDARD_SHAPES[Number(v) - 1];
    if (!s) throw new InvalidArgumentError(`--shapes: standard shapes are numbered 1..${STANDARD_SHAPES.length}, got ${v}`);
    return s;
  }
  try {
    return parseShape(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export interface CliOptions {
  full?: boolean;
  tiny?: boolean;
  backends?: BackendName[];
  cells?: SpeedCell[];
  shapes?: BenchShape[];
  tfjsEngine?: 'node' | 'wasm' | 'cpu';
  repeats?: number;
  warmup?: number;
  rounds?: number;
  cases?: 'all' | 'quick' | 'tiny';
  conformance: boolean;
  speed: boolean;
  onnx: boolean;
  anchors: boolean;
  series: boolean;
  train: boolean;
  int8: boolean;
  ortOnly?: boolean;
  out: string;
  quiet?: boolean;
  inProcess?: boolean;
  strict?: boolean;
  render?: string;
}

export function program(): Command {
  return new Command('rnnkit-bench')
    .description('Conformance matrix and speed of every rnnkit backend, with onnxruntime-node and tfjs-layers as anchors. Quick mode by default.')
    .option('--full', 'everything: all conformance cases, all four standard shapes, more repeats, full scaling series')
    .option('--tiny', 'a smoke run: one small shape, 4 conformance cases, 1 repeat')
    .option('--backends <list>', `backends to try (${BACKEND_NAMES.join(',')})`, list(BACKEND_NAMES, '--backends'))
    .option('--cells <list>', `cells to time (${SPEED_CELLS.join(',')})`, list(SPEED_CELLS, '--cells'))
    .option('--shapes <shape...>', 'shapes to time: D,H,T,B or the number (1-4) of a standard shape', (v: string, prev: BenchShape[] | undefined) => [
      ...(prev ?? []),
      shapeArg(v),
    ])
    .addOption(new Option('--tfjs-engine <engine>', 'force the tfjs engine').choices(['node', 'wasm', 'cpu']))
    .addOption(new Option('--cases <which>', 'conformance cases: all, quick (subset) or tiny').choices(['all', 'quick', 'tiny']))
    .option('--repeats <n>', 'timed runs per measurement', positiveInt('--repeats'))
    .option('--rounds <n>', "rounds of the speed section; figures are the median of the rounds' medians", positiveInt('--rounds'))
    .option('--warmup <n>', 'warm-up runs per measurement', positiveInt('--warmup'))
    .option('--no-conformance', 'skip the conformance matrix')
    .option('--no-speed', 'skip speed')
    .option('--no-onnx', 'skip the ONNX export check in the conformance matrix')
    .option('--no-anchors', 'skip the onnxruntime and tfjs-layers speed anchors')
    .option('--no-series', 'skip the scaling series over T and H')
    .option('--no-train', 'time inference only')
    .option(
      '--no-int8',
      'no int8 rows (backends with their own int8 kernels time quantizedRecurrentForward beside each float32 forward; onnxruntime runs the { quantized: "int8" } export of LSTM)',
    )
    .option('--ort-only', 'of the anchors, run only onnxruntime (not tfjs-layers)')
    .option('--out <dir>', 'folder for bench.json, bench.html and bench.md', DEFAULT_OUT)
    .option('--quiet', 'no progress display')
    .option('--in-process', 'run the backends in this process (no crash isolation; for debugging)')
    .option('--strict', 'exit 1 when any conformance case fails')
    .option('--render <bench.json>', 'only re-render the terminal, HTML and Markdown reports from a saved bench.json into --out');
}

export function configFrom(o: CliOptions): BenchConfig {
  if (o.full && o.tiny) throw new InvalidArgumentError('--full and --tiny: choose one');
  const mode: Mode = o.full ? 'full' : o.tiny ? 'tiny' : 'quick';
  const cfg = defaultConfig(mode, resolve(o.out));
  if (o.backends) cfg.backends = o.backends;
  if (o.cells) cfg.cells = o.cells;
  if (o.shapes) cfg.shapes = o.shapes;
  if (o.tfjsEngine) cfg.tfjsEngine = o.tfjsEngine;
  if (o.cases) cfg.conformance.cases = o.cases;
  if (o.repeats !== undefined) cfg.speed.repeats = Math.max(1, o.repeats);
  if (o.warmup !== undefined) cfg.speed.warmup = o.warmup;
  if (o.rounds !== undefined) cfg.speed.rounds = Math.max(1, o.rounds);
  cfg.conformance.enabled = o.conformance;
  cfg.conformance.onnx = o.onnx;
  cfg.speed.enabled = o.speed;
  cfg.speed.training = o.train;
  cfg.speed.int8 = o.int8;
  if (o.ortOnly) cfg.anchors = { ...cfg.anchors, tfjsLayers: false };
  if (!o.anchors) cfg.anchors = { ...cfg.anchors, onnxruntime: false, tfjsLayers: false };
  if (!o.series) delete cfg.series;
  return cfg;
}

export interface Written {
  report: BenchReport;
  files: string[];
}

/** Runs the bench for a config and writes the reports into its out folder. */
export async function benchAndWrite(cfg: BenchConfig, opts: RunOptions = {}): Promise<Written> {
  const report = await runBench(cfg, opts);
  const files = [writeJson(report, cfg.outDir), await writeHtml(report, cfg.outDir), writeMarkdown(report, cfg.outDir)];
  return { report, files };
}

export async function main(argv: string[]): Promise<number> {
  const p = program();
  p.parse(argv);
  const o = p.opts<CliOptions>();
  if (o.render) {
    const report = readJson(o.render);
    const dir = resolve(o.out);
    const files = [await writeHtml(report, dir), writeMarkdown(report, dir)];
    process.stdout.write(`${renderTerminal(report)}\n\nReports: ${files.join(', ')}\n`);
    return 0;
  }
  let cfg: BenchConfig;
  try {
    cfg = configFrom(o);
  } catch (e) {
    p.error((e as Error).message);
  }
  const { report, files } = await benchAndWrite(cfg!, { ...(o.quiet ? { quiet: true } : {}), ...(o.inProcess ? { inProcess: true } : {}) });
  process.stdout.write(`\n${renderTerminal(report)}\n\nReports: ${files.join(', ')}\n`);
  const failed = (report.conformance?.rows.some((r) => !r.pass && !r.skipped) ?? false) || (report.conformance?.onnx.rows.some((r) => !r.pass) ?? false);
  return o.strict && failed ? 1 : 0;
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  main(process.argv).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`rnnkit-bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
