/**
 * The conformance bounds of precision `f16` (`createWebgpuBackend({ precision: 'f16' })`), in
 * core's scaled measure (max |backend − reference| / max(1, max |reference|), as
 * `FORWARD_TOLERANCE` in `@rnnkit/core/testing`). Storage rounds to f16 (unit roundoff
 * u = 2⁻¹¹ ≈ 4.9e-4) at every stored value — inputs, weights, each step's state and gates —
 * while arithmetic stays f32, so an error is a few storage roundings carried through the
 * recurrence. Measured over core's 230 conformance cases on Mesa lavapipe: worst forward error
 * 1.07e-3 (≈ 2.2 u, rnn_tanh, 3 bidirectional layers), worst gradient error 3.3e-3 (≈ 6.8 u,
 * a bias gradient of rnn_tanh, 3 layers); T = 300 stays below both (8.6e-4, 1.4e-3). The bounds
 * are about 3× the worst measured: 3e-3 ≈ 6 u and 1e-2 ≈ 20 u. The f32 bounds do not change.
 */
export const F16_FORWARD_TOLERANCE = 3e-3;
/** Bound on a case's gradient error under precision `f16`, against float64 finite differences (same measure). */
export const F16_GRADIENT_TOLERANCE = 1e-2;
