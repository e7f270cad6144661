import type { ModelSpec } from '@rnnkit/core';
import { isRnnkitError, Model, RnnkitError, validateModelSpec } from '@rnnkit/core';
import { readModelProto } from '@rnnkit/onnx-export/proto';
import type { ImportedInput, ImportedOutput } from './bindings.js';
import { bindInputs, bindOutputs } from './bindings.js';
import { WalkContext } from './context.js';
import { clip, describeValue as describe } from './errors.js';
import { indexGraph } from './graph.js';
import { inputValues } from './input_roles.js';
import type { ImportLimits } from './limits.js';
import { ElementBudget, resolveLimits } from './limits.js';
import { ModelBuild } from './model_build.js';
import { restoreTrainingFields, SPEC_METADATA_KEY, stackingHint } from './rnnkit_metadata.js';
import { walkGraph } from './walk.js';

/** Options of `importOnnx`. */
export interface ImportOptions {
  /** Bounds on what the file may make this import allocate (see ImportLimits). */
  limits?: Partial<ImportLimits>;
}

/** An ONNX model as an rnnkit model, with how its graph inputs and outputs map onto the model's. */
export interface ImportedOnnx {
  /** The rnnkit model on the host; `model.to(backend)` to run or train it. */
  model: Model;
  /** The model's graph (`model.spec`): what `saveModel` writes and `loadModel` reads. */
  spec: ModelSpec;
  /** The weights by PyTorch state_dict name, in PyTorch's gate orders and layouts. */
  stateDict: Map<string, Float32Array>;
  /** Every graph input the model reads (an input nothing reads is not listed and can be fed anything). */
  inputs: ImportedInput[];
  /** Every graph output, as the model output or a final state. */
  outputs: ImportedOutput[];
  /** The file's default-domain opset. */
  opset: number;
  /** The file's `producer_name` and `producer_version` (`pytorch`, `tf2onnx`, `rnnkit`…), each cut to 120 characters. */
  producer: {
    /** `producer_name`, e.g. `pytorch`; empty when the file leaves it out. */
    name: string;
    /** `producer_version`, e.g. `1.13.1`; empty when the file leaves it out. */
    version: string;
  };
}

const KNOWN_OPTIONS = new Set(['limits']);

function checkOptions(options: ImportOptions | undefined): ImportLimits {
  if (options === undefined) return resolveLimits(undefined, 'options.limits');
  if (options === null || typeof options !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected an object, got ${describe(options)}`, { argument: 'options' });
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(k))
      throw new RnnkitError('INVALID_ARGUMENT', `options.${k}: expected one of ${[...KNOWN_OPTIONS].join(', ')}, got an unknown option`, {
        argument: `options.${k}`,
      });
  }
  return resolveLimits(options.limits, 'options.limits');
}

function importChecked(bytes: Uint8Array, options: ImportOptions | undefined): ImportedOnnx {
  const limits = checkOptions(options);
  const proto = readModelProto(bytes, 'bytes');
  const graph = indexGraph(proto, limits);
  const build = new ModelBuild();
  build.stackHint = stackingHint(graph.metadata.get(SPEC_METADATA_KEY));
  const ctx = new WalkContext(graph, build, limits, new ElementBudget(limits));
  const { values, roles } = inputValues(graph);
  walkGraph(ctx, values);
  if (!build.layers.some((l) => l.spec.type === 'recurrent')) {
    throw new RnnkitError('UNSUPPORTED', 'graph: has no RNN, LSTM or GRU node; this importer reads recurrent models', { argument: 'graph' });
  }
  const outputs = bindOutputs(ctx);
  const inputs = bindInputs(ctx, roles);
  let spec: ModelSpec = { format: 'rnnkit.model', version: 1, layers: build.layers.map((l) => l.spec), seed: 0 };
  spec = restoreTrainingFields(spec, graph.metadata.get(SPEC_METADATA_KEY));
  validateModelSpec(spec);
  const stateDict = new Map<string, Float32Array>();
  build.layers.forEach((l, i) => {
    for (const [name, data] of l.params) {
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new RnnkitError(
          'NON_FINITE',
          `${l.node.label}: weight ${i}.${name} holds ${data[bad]} at index ${bad}; a model with non-finite weights computes nothing useful (and runtimes disagree on what it computes)`,
          { argument: `${l.node.path}` },
        );
      }
      stateDict.set(`${i}.${name}`, data);
    }
  });
  const model = new Model(spec, stateDict);
  return {
    model,
    spec: model.spec,
    stateDict,
    inputs,
    outputs,
    opset: graph.opset,
    producer: { name: clip(proto.producerName ?? ''), version: clip(proto.producerVersion ?? '') },
  };
}

/**
 * Reads ONNX bytes holding a recurrent model (RNN/LSTM/GRU nodes with the glue and heads that
 * PyTorch, tf2onnx and rnnkit write) and returns it as an rnnkit model plus the mapping of its
 * inputs and outputs. Everything it cannot express exactly is refused: UNSUPPORTED naming the
 * node, op and attribute or input; a malformed file is INVALID_FILE. Only RnnkitError leaves.
 */
export function importOnnx(bytes: Uint8Array, options?: ImportOptions): ImportedOnnx {
  try {
    return importChecked(bytes, options);
  } catch (e) {
    if (isRnnkitError(e)) throw e;
    // A stack overflow on absurdly nested messages, or a fault in this importer.
    const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new RnnkitError('INVALID_FILE', `bytes: could not be imported (internal error: ${clip(why, 200)})`, { argument: 'bytes', cause: e });
  }
}
