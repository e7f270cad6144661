import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Model } from '@rnnkit/core';
import { RnnkitError, saveModel, saveModelBundle } from '@rnnkit/core';
import { Command, CommanderError } from 'commander';
import type { CliIo } from './run.js';
import { checkOutputs, writeAtomically } from './write.js';

/**
 * What `rnnkit-onnx import` needs from `@rnnkit/onnx-import`, stated here structurally: this
 * package cannot depend on onnx-import (onnx-import depends on this package's protobuf code), so
 * the command loads it at run time, as an optional peer dependency.
 */
export type OnnxImporter = (bytes: Uint8Array) => {
  model: Model;
  inputs: readonly { name: string; role: string; axes: readonly string[] }[];
  outputs: readonly { name: string; role: string; layer?: number; rows?: readonly [number, number]; axes: readonly string[]; activation?: string }[];
  opset: number;
};

const IMPORT_PACKAGE = '@rnnkit/onnx-import';

/**
 * Finds `@rnnkit/onnx-import`: next to this package (npm's flat layout, or a pnpm project that
 * lists both), else from the current directory's project.
 */
export async function loadImporter(): Promise<OnnxImporter> {
  const specifier: string = IMPORT_PACKAGE; // a variable: tsc must not try to resolve it at build time
  let mod: { importOnnx?: unknown } | undefined;
  try {
    mod = (await import(specifier)) as { importOnnx?: unknown };
  } catch {
    try {
      const path = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
      mod = (await import(pathToFileURL(path).href)) as { importOnnx?: unknown };
    } catch {
      mod = undefined;
    }
  }
  if (typeof mod?.importOnnx !== 'function') {
    throw new RnnkitError('UNSUPPORTED', `import: needs the ${IMPORT_PACKAGE} package; install it next to @rnnkit/onnx-export (npm i ${IMPORT_PACKAGE})`, {
      argument: 'import',
    });
  }
  return mod.importOnnx as OnnxImporter;
}

/** Reads the .onnx file, naming the flag in the error. */
async function readOnnx(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new RnnkitError('INVALID_FILE', `<model.onnx>: cannot read "${path}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      argument: '<model.onnx>',
      cause: e,
    });
  }
}

function summary(r: ReturnType<OnnxImporter>): string {
  const ins = r.inputs.map((i) => `${i.name} → ${i.role} [${i.axes.join(', ')}]`).join('; ');
  const outs = r.outputs
    .map(
      (o) =>
        `${o.name} ← ${o.role}${o.layer !== undefined ? ` of layers[${o.layer}] rows ${o.rows![0]}..${o.rows![1] - 1}` : ''} [${o.axes.join(', ')}]${o.activation ? ` then ${o.activation} (not in the model)` : ''}`,
    )
    .join('; ');
  return `inputs: ${ins}\noutputs: ${outs}\n`;
}

/**
 * `rnnkit-onnx import <model.onnx> (-o bundle.safetensors | --spec out.json --weights out.safetensors) [--mapping map.json]`:
 * an ONNX recurrent model → rnnkit model files. Everything is imported and checked before
 * anything is written; on any error nothing is written and the exit code is 1.
 */
export async function runImportCli(argv: readonly string[], io: CliIo, importer: () => Promise<OnnxImporter>): Promise<number> {
  const program = new Command('rnnkit-onnx import')
    .description('Import an ONNX RNN/LSTM/GRU model (PyTorch, Keras/tf2onnx, rnnkit exports) as rnnkit model files.')
    .argument('<model.onnx>', 'the ONNX file to read')
    .option('-o, --output <file>', 'one safetensors bundle: weights plus the spec in its metadata (loadModelBundle reads it)')
    .option('--spec <file>', 'the ModelSpec JSON to write (with --weights)')
    .option('--weights <file>', 'the weights to write, safetensors with PyTorch names (with --spec)')
    .option('--mapping <file>', "a JSON file saying which ONNX input/output is which of the model's")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const o = program.opts<{ output?: string; spec?: string; weights?: string; mapping?: string }>();
  const input = program.args[0];
  const fail = (flag: string, message: string) => {
    io.stderr(`rnnkit-onnx import: INVALID_ARGUMENT: ${flag}: ${message}\n`);
    return 2;
  };
  if (!o.output && !(o.spec && o.weights)) return fail('--output', 'expected -o <bundle.safetensors>, or --spec <file> with --weights <file>');
  if (o.output && (o.spec || o.weights)) return fail('--output', 'expected either -o or --spec/--weights, got both');
  if ((o.spec === undefined) !== (o.weights === undefined)) return fail(o.spec ? '--weights' : '--spec', 'expected --spec and --weights together');
  const targets = [o.output, o.spec, o.weights, o.mapping].filter((t): t is string => t !== undefined);
  if (targets.includes(input)) return fail('--output', `would overwrite the input file "${input}"`);
  if (new Set(targets).size !== targets.length) return fail('--output', 'expected distinct output files');
  try {
    // The same file under another name too (./x, a symlink, a hard link): never overwrite the input.
    await checkOutputs(
      [
        ['--output', o.output],
        ['--spec', o.spec],
        ['--weights', o.weights],
        ['--mapping', o.mapping],
      ],
      [['<model.onnx>', input]],
    );
  } catch (e) {
    return fail((e as RnnkitError).argument ?? '--output', (e as Error).message.replace(/^[^:]*: /, ''));
  }
  try {
    const importOnnx = await importer();
    const imported = importOnnx(await readOnnx(input));
    const mapping = JSON.stringify({ opset: imported.opset, inputs: imported.inputs, outputs: imported.outputs }, null, 2);
    if (o.output) {
      await writeAtomically(o.output, await saveModelBundle(imported.model));
    } else {
      const saved = await saveModel(imported.model);
      await writeAtomically(o.spec!, new TextEncoder().encode(saved.spec), '--spec');
      await writeAtomically(o.weights!, saved.weights, '--weights');
    }
    if (o.mapping) await writeAtomically(o.mapping, new TextEncoder().encode(mapping), '--mapping');
    const layers = imported.model.spec.layers
      .map((l) =>
        l.type === 'recurrent' ? `${l.cell}×${l.numLayers}${l.bidirectional ? ' bidirectional' : l.direction === 'reverse' ? ' reverse' : ''}` : l.type,
      )
      .join(' → ');
    io.stdout(
      `read ${input} (opset ${imported.opset}): ${layers}\nwrote ${[o.output, o.spec, o.weights, o.mapping].filter(Boolean).join(', ')}\n${summary(imported)}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof RnnkitError) {
      io.stderr(`rnnkit-onnx import: ${e.code}: ${e.message}\n`);
      return 1;
    }
    io.stderr(`rnnkit-onnx import: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
