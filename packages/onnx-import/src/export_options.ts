import type { ExportOptions } from '@rnnkit/onnx-export';
import type { ImportedOnnx } from './import.js';

/**
 * The `exportOnnx` options that make a re-export of an imported model (or one fine-tuned from
 * it) compute what the file computes: `outputActivation` when the file ends in a final
 * activation the rnnkit model leaves out (`outputs[…].activation`), `lengths` when the file takes
 * sequence lengths, `initialState` when it takes initial states (`h0`, and `c0` for an LSTM).
 * Use it as `exportOnnx(model, { ...exportOptionsFor(imported), opset: 19 })`.
 *
 * The re-export has rnnkit's input and output names (`input`, `lengths`, `h0`, `c0`; `output`,
 * `h_n`, `c_n`) and layout (the model's batchFirst), not necessarily the file's.
 */
export function exportOptionsFor(imported: Pick<ImportedOnnx, 'inputs' | 'outputs'>): ExportOptions {
  const activation = imported.outputs.find((o) => o.role === 'output')?.activation;
  const roles = new Set(imported.inputs.map((i) => i.role));
  return {
    ...(activation ? { outputActivation: activation } : {}),
    ...(roles.has('lengths') ? { lengths: true } : {}),
    ...(roles.has('h0') || roles.has('c0') ? { initialState: true } : {}),
  };
}
