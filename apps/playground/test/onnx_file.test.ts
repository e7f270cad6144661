/**
 * Opening an .onnx file in the page's model code (Node, backend-cpu): a PyTorch forecaster and
 * the page's own forecast download open as the forecast task, run, fine-tune and download again;
 * other shapes are refused saying what the page needs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend } from '@rnnkit/core';
import { adam, evaluate, fit } from '@rnnkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFile, readModelFiles } from '../src/files.js';
import type { TrainConfig } from '../src/shared.js';
import { DEFAULTS } from '../src/shared.js';
import { createTask } from '../src/tasks.js';

let be: Backend;
beforeAll(async () => {
  be = await createCpuBackend();
});

function fixture(name: string): Uint8Array {
  const root = dirname(createRequire(import.meta.url).resolve('@rnnkit/onnx-import/package.json'));
  return new Uint8Array(readFileSync(join(root, 'fixtures', `${name}.onnx`)));
}

describe('opening .onnx files', () => {
  it('a PyTorch LSTM forecaster becomes the forecast task and fine-tunes', async () => {
    const { models, meta } = readModelFiles([{ name: 'forecaster.onnx', bytes: fixture('torch_lstm_forecaster') }]);
    expect(meta.config).toMatchObject({ task: 'forecast', cell: 'lstm', hiddenSize: 8, numLayers: 2 });
    const task = createTask({ ...meta.config, backend: 'cpu' }, be, models, meta);
    const out = await task.output();
    expect(out.kind).toBe('forecast');
    const before = (await evaluate(task.models[0].model, task.train, { loss: 'mse' })).loss;
    await fit(task.models[0].model, task.train, { loss: 'mse', optimizer: adam({ lr: 0.01 }), epochs: 1, batchSize: 64 });
    expect((await evaluate(task.models[0].model, task.train, { loss: 'mse' })).loss).toBeLessThan(before);
    const again = await modelFile(task, 'model', 'onnx');
    expect(again.name).toBe('forecast-lstm.onnx');
    task.dispose();
  });

  it("the page's own forecast ONNX download opens again with the same predictions", async () => {
    const config: TrainConfig = { task: 'forecast', cell: 'gru', backend: 'cpu', ...DEFAULTS.forecast, hiddenSize: 6 };
    const task = createTask(config, be);
    const file = await modelFile(task, 'model', 'onnx');
    const { models, meta } = readModelFiles([{ name: file.name, bytes: file.bytes }]);
    const reopened = createTask({ ...meta.config, backend: 'cpu' }, be, models, meta);
    expect(reopened.models[0].model.spec).toEqual(task.models[0].model.spec);
    const [a, b] = [await task.probes(), await reopened.probes()];
    expect(b[0].output.data).toEqual(a[0].output.data);
    task.dispose();
    reopened.dispose();
  });

  it('a model of another shape is refused saying what the page needs', () => {
    expect(() => readModelFiles([{ name: 'tagger.onnx', bytes: fixture('torch_gru_tagger') }])).toThrow(
      /tagger\.onnx is a model that starts with embedding; the page opens ONNX forecasters/,
    );
    expect(() => readModelFiles([{ name: 'bad.onnx', bytes: new Uint8Array([1, 2, 3]) }])).toThrow(/INVALID|expected an ONNX ModelProto/);
  });
});
