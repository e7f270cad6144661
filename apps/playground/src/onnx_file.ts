/**
 * Opening an .onnx file: a recurrent ONNX model (from PyTorch, Keras via tf2onnx, or this page's
 * own ONNX download) imported with @rnnkit/onnx-import becomes the forecasting task's model, so
 * it can be run, fine-tuned and downloaded again. The forecasting task feeds windows of one value
 * ([batch, window, 1], batch-first) and reads one prediction per window ([batch, 1]); a model of
 * another shape is refused with what it has and what the page needs.
 */
import type { Model, RecurrentSpec } from '@rnnkit/core';
import { importOnnx } from '@rnnkit/onnx-import';
import type { CellName, TrainConfig } from './shared.js';
import { DEFAULTS } from './shared.js';
import type { LoadedModels, PlaygroundMeta } from './tasks.js';

const CELLS: Record<RecurrentSpec['cell'], CellName> = { rnn_tanh: 'rnn', rnn_relu: 'rnn', lstm: 'lstm', gru: 'gru' };

function refuse(name: string, what: string): never {
  throw new Error(
    `load: ${name} is ${what}; the page opens ONNX forecasters ([batch, window, 1] → [batch, 1], batch-first, no final activation), such as its own forecast download or a PyTorch LSTM + Linear on the last step`,
  );
}

/** The imported model and the playground metadata that makes it the forecast task's model. */
export function readOnnxFile(file: { name: string; bytes: Uint8Array }): { models: LoadedModels; meta: PlaygroundMeta } {
  const imported = importOnnx(file.bytes);
  const model: Model = imported.model;
  const layers = model.spec.layers;
  const rec = layers.find((l): l is RecurrentSpec => l.type === 'recurrent');
  const last = layers[layers.length - 1];
  if (!rec || layers[0] !== rec) refuse(file.name, `a model that starts with ${layers[0].type}`);
  if (rec.inputSize !== 1) refuse(file.name, `a model with ${rec.inputSize} input features`);
  if (!rec.batchFirst) refuse(file.name, 'a time-major model');
  if (!layers.some((l) => l.type === 'select' && l.steps === 'last') || last.type !== 'linear' || last.outFeatures !== 1)
    refuse(file.name, `a model whose output is not one value per window (layers: ${layers.map((l) => l.type).join(' → ')})`);
  const activation = imported.outputs.find((o) => o.role === 'output')?.activation;
  if (activation) refuse(file.name, `a model with a final ${activation}`);
  const config: TrainConfig = {
    task: 'forecast',
    cell: CELLS[rec.cell],
    backend: 'cpu',
    ...DEFAULTS.forecast,
    hiddenSize: rec.hiddenSize,
    numLayers: rec.numLayers,
  };
  return { models: new Map([['model', model]]), meta: { app: 'rnnkit-playground', version: 1, config, role: 'model' } };
}
