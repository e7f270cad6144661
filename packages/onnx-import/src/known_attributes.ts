/**
 * The attributes each op this importer reads may carry (ONNX opsets 7–22). An attribute not
 * listed is refused rather than ignored: an unknown or misspelled attribute may change what the
 * node computes (`linear_before_reset` spelled wrong would silently mean 0), and onnxruntime
 * refuses such a model too.
 */
const RECURRENT = ['activation_alpha', 'activation_beta', 'activations', 'clip', 'direction', 'hidden_size', 'layout'];

export const KNOWN_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  RNN: RECURRENT,
  LSTM: [...RECURRENT, 'input_forget'],
  GRU: [...RECURRENT, 'linear_before_reset'],
  Transpose: ['perm'],
  Squeeze: ['axes'],
  Unsqueeze: ['axes'],
  Reshape: ['allowzero'],
  Slice: ['starts', 'ends', 'axes'],
  Gather: ['axis'],
  GatherND: ['batch_dims'],
  Concat: ['axis'],
  Split: ['axis', 'split', 'num_outputs'],
  Shape: ['start', 'end'],
  ConstantOfShape: ['value'],
  Constant: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings', 'sparse_value'],
  Expand: [],
  Cast: ['to', 'saturate'],
  Identity: [],
  Dropout: ['ratio', 'seed'],
  MatMul: [],
  Add: [],
  Sub: [],
  Mul: [],
  Div: [],
  Neg: [],
  Gemm: ['alpha', 'beta', 'transA', 'transB'],
  Softmax: ['axis'],
  LogSoftmax: ['axis'],
  Sigmoid: [],
  Tanh: [],
  Relu: [],
};
