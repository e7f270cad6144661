/**
 * Recurrent cell kinds and their gate layout (PyTorch's):
 * - `rnn_tanh`, `rnn_relu`: h' = act(W_ih x + b_ih + W_hh h + b_hh); G = 1.
 * - `lstm`: gates i, f, g, o stacked in that order; G = 4.
 * - `gru`: gates r, z, n stacked in that order; G = 3. With `resetAfter` (PyTorch, default,
 *   ONNX linear_before_reset=1) n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); without it
 *   (Keras reset_after=False, ONNX linear_before_reset=0) n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn).
 */
export const CELL_KINDS = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as const;
/** A recurrent cell: `rnn_tanh`, `rnn_relu` (torch.nn.RNN with that nonlinearity), `lstm` or `gru`. */
export type CellKind = (typeof CELL_KINDS)[number];

/** True when `v` is one of `CELL_KINDS`. */
export function isCellKind(v: unknown): v is CellKind {
  return typeof v === 'string' && (CELL_KINDS as readonly string[]).includes(v);
}

/** Number of stacked gates G: weight_ih is [G*H, D]. */
export function gateCount(cell: CellKind): 1 | 3 | 4 {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** True when the cell carries a cell state c besides h. */
export function hasCellState(cell: CellKind): boolean {
  return cell === 'lstm';
}
