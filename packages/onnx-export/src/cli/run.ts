import { isRnnkitError } from '@rnnkit/core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { exportChecked, int8WeightsFor } from '../export.js';
import type { OutputActivation, QuantizedForm } from '../options.js';
import { DEFAULT_OPSET, irVersionFor, MAX_OPSET, MIN_OPSET, OUTPUT_ACTIVATIONS, QUANTIZED_FORMS, resolveOptions } from '../options.js';
import { decodeModel } from '../proto.js';
import type { SpellForm } from '../supported.js';
import { VERSION } from '../version.js';
import type { OnnxImporter } from './import_command.js';
import { loadImporter, runImportCli } from './import_command.js';
import { describeCliError, tag } from './input_error.js';
import type { ModelLoader } from './saved_model.js';
import { loadSavedModel } from './saved_model.js';
import { checkOutputs, writeAtomically } from './write.js';

/** Where `runCli` writes its text; defaults to the process's stdout and stderr (tests pass collectors). */
export interface CliIo {
  /** Writes `text` as given (no newline added): the report of what was written, `--help` and `--version`. */
  stdout(text: string): void;
  /** Writes `text` as given (no newline added): command-line mistakes and error messages. */
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** Error messages name the flag, not the API option. */
const cliForm: SpellForm = (form) => `--quantized ${form}`;

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

/**
 * `rnnkit-onnx`: reads a saved model, exports it and writes the .onnx file; `rnnkit-onnx import`
 * goes the other way (see import_command.ts). Every check and the
 * whole export happen before the file is written, so on any error nothing is written and the
 * exit code is 1. Returns the exit code instead of exiting, so tests run it in-process.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo,
  loader: ModelLoader = loadSavedModel,
  importer: () => Promise<OnnxImporter> = loadImporter,
): Promise<number> {
  if (argv[0] === 'import') return runImportCli(argv.slice(1), io, importer);
  const program = new Command('rnnkit-onnx')
    .description('Export a saved rnnkit model to ONNX with native RNN/LSTM/GRU operators. `rnnkit-onnx import --help`: ONNX → rnnkit.')
    .version(VERSION)
    .option('-s, --spec <file>', 'model graph JSON (ModelSpec)')
    .option('-w, --weights <file>', 'weights: .safetensors (float32, PyTorch state_dict names) or .json')
    .option('-m, --model <file>', 'one safetensors bundle with the spec in its metadata (instead of --spec/--weights)')
    .requiredOption('-o, --output <file>', 'the .onnx file to write')
    .option('--opset <n>', `ONNX opset, ${MIN_OPSET}..${MAX_OPSET}`, integer, DEFAULT_OPSET)
    .option('--lengths', 'add an int32 "lengths" input [batch] (ONNX sequence_lens) for padded batches', false)
    .option('--initial-state', 'add "h0" (and "c0") inputs [numLayers*dirs, batch, hidden]', false)
    .option('--doc-string <text>', "the model's doc_string")
    .addOption(
      new Option(
        '--quantized <form>',
        'for an int8-quantized model: "int8" keeps int8 weights (onnxruntime DynamicQuantizeLSTM/DynamicQuantizeMatMul; LSTM and linear layers only), "dequantize" writes float32 weights (every cell)',
      ).choices(QUANTIZED_FORMS),
    )
    .addOption(
      new Option('--output-activation <name>', 'a final activation on "output" (softmax/logSoftmax over the last axis; not on the states)').choices(
        OUTPUT_ACTIVATIONS,
      ),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // --help/--version, or a usage error already printed
    throw e;
  }
  const o = program.opts<{
    spec?: string;
    weights?: string;
    model?: string;
    output: string;
    opset: number;
    lengths: boolean;
    initialState: boolean;
    docString?: string;
    outputActivation?: OutputActivation;
    quantized?: QuantizedForm;
  }>();
  try {
    await checkOutputs(
      [['--output', o.output]],
      [
        ['--spec', o.spec],
        ['--weights', o.weights],
        ['--model', o.model],
      ],
    );
    const loaded = await loader({ ...(o.spec ? { spec: o.spec } : {}), ...(o.weights ? { weights: o.weights } : {}), ...(o.model ? { model: o.model } : {}) });
    let bytes: Uint8Array;
    try {
      const opts = resolveOptions({
        opset: o.opset,
        lengths: o.lengths,
        initialState: o.initialState,
        ...(o.docString !== undefined ? { docString: o.docString } : {}),
        ...(o.outputActivation !== undefined ? { outputActivation: o.outputActivation } : {}),
        ...(o.quantized !== undefined ? { quantized: o.quantized } : {}),
      });
      // A quantized file needs --quantized (as exportOnnx needs options.quantized).
      const int8 = int8WeightsFor(loaded.quantization, loaded.quantizedWeights, opts, cliForm);
      bytes = exportChecked(loaded.spec, loaded.stateDict, opts, int8, cliForm);
    } catch (e) {
      // A fault of the model names the file it came from.
      if (isRnnkitError(e) && !(e.argument ?? '').startsWith('options.')) {
        throw o.model !== undefined
          ? tag(e, '--model', o.model)
          : (e.argument ?? '').startsWith('spec')
            ? tag(e, '--spec', o.spec!)
            : tag(e, '--weights', o.weights!);
      }
      throw e;
    }
    await writeAtomically(o.output, bytes);
    const g = decodeModel(bytes).graph!;
    io.stdout(
      `wrote ${o.output} (${bytes.length} bytes, opset ${o.opset}, IR ${irVersionFor(o.opset)}; ` +
        `inputs ${(g.input ?? []).map((v) => v.name).join(', ')}; outputs ${(g.output ?? []).map((v) => v.name).join(', ')})\n`,
    );
    return 0;
  } catch (e) {
    if (isRnnkitError(e)) {
      io.stderr(`rnnkit-onnx: ${describeCliError(e)}\n`);
      return 1;
    }
    io.stderr(`rnnkit-onnx: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
