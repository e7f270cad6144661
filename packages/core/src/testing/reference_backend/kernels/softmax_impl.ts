/** Softmax of one row in double, shifted by its maximum, and the row's log-sum-exp. */
export function softmaxRow(row: Float32Array): { p: Float64Array; logSumExp: number } {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const e = Float64Array.from(row, (v) => Math.exp(v - max));
  const total = e.reduce((s, v) => s + v, 0);
  return { p: e.map((v) => v / total), logSumExp: max + Math.log(total) };
}
