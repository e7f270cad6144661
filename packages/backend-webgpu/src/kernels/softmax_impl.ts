/**
 * Row-wise softmax pieces shared by softmax and softmaxCrossEntropy: one 64-thread workgroup
 * per row (rows folded into x and y of the grid), max and sum of exponentials folded in
 * workgroup memory. `rowMaxSum` reads the kernel's input `a` and its param `C` (row length).
 */
export const SOFTMAX_ROW = /* wgsl */ `
var<workgroup> red: array<f32, 64>;
fn rowIndex(wid: vec3u, nw: vec3u) -> u32 { return wid.x + wid.y * nw.x; }
fn foldMax(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w / 2u) {
    if (lid < w) { red[lid] = max(red[lid], red[lid + w]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn foldSum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w / 2u) {
    if (lid < w) { red[lid] += red[lid + w]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn rowMaxSum(lid: u32, base: u32, live: bool) -> vec2f {
  var m = -3.4e38;
  if (live) { for (var c = lid; c < P.C; c += 64u) { m = max(m, f32(a[base + c])); } }
  m = foldMax(lid, m);
  var s = 0.0;
  if (live) { for (var c = lid; c < P.C; c += 64u) { s += exp(f32(a[base + c]) - m); } }
  s = foldSum(lid, s);
  return vec2f(m, s);
}
`;

/** Grid for one workgroup per row. */
export function rowGrid(rows: number, maxPerDim: number): [number, number] {
  if (rows <= maxPerDim) return [rows, 1];
  const y = Math.ceil(rows / maxPerDim);
  return [Math.ceil(rows / y), y];
}
