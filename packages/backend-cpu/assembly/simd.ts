// Vector helpers shared by every kernel. Compiled twice (see scripts/build-wasm.mjs): with
// relaxed SIMD, `madd` is one fused multiply-add (vfmadd on x86, fmla on Arm); without it, a
// multiply and an add.

/** a · b + c on four lanes. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c − a · b on four lanes. */
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/** Is this build the relaxed-SIMD one? JS reads it to report the engine. */
export function hasFma(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
