import type { WalkContext } from './context.js';
import { allZero, broadcastDims, concatConst, elementwiseConst, sliceIndices, takeConst, transposeConst } from './const_math.js';
import { invalidNode, unsupported } from './errors.js';
import type { GraphNode } from './graph.js';
import type { ConstTensor } from './tensors.js';
import { ElemType, checkDims, numel, readTensor } from './tensors.js';
import type { Sym, Value } from './values.js';
import { normAxis } from './values.js';

/**
 * Constant folding and symbolic shape arithmetic: the parts of a graph that compute weights,
 * axes, indices and shapes rather than data. Returns undefined when a node reads the data
 * path, so the caller hands it to the layout and head handlers.
 */

function isConst(v: Value | undefined): v is Extract<Value, { kind: 'const' }> {
  return v?.kind === 'const';
}

/** A shape value (a constant int vector, or one with dynamic extents) as a list of symbols. */
export function symsOf(v: Value | undefined): { scalar: boolean; items: Sym[] } | undefined {
  if (v?.kind === 'dims') return { scalar: v.scalar, items: v.items };
  if (v?.kind === 'const' && v.t.dtype === 'int' && v.t.dims.length <= 1) return { scalar: v.t.dims.length === 0, items: Array.from(v.t.data) };
  return undefined;
}

/** Back to a value: a constant when every item is a number, else a symbolic shape tensor. */
export function fromSyms(scalar: boolean, items: Sym[]): Value {
  if (items.every((s): s is number => typeof s === 'number')) {
    return { kind: 'const', t: { dtype: 'int', dims: scalar ? [] : [items.length], data: Float64Array.from(items) } };
  }
  return { kind: 'dims', scalar, items };
}

export function constTensorAttr(ctx: WalkContext, node: GraphNode, name: string): ConstTensor | undefined {
  const t = ctx.attrs(node).tensor(name);
  return t ? readTensor(t, ctx.limits, ctx.budget, `${node.ref.path}.attribute.${name}`, node.ref) : undefined;
}

/** `Constant`: value (tensor) or, from opset 12, value_float(s) / value_int(s). */
function constant(ctx: WalkContext, node: GraphNode): Value {
  const a = ctx.attrs(node);
  const t = constTensorAttr(ctx, node, 'value');
  if (t) return { kind: 'const', t };
  const f = a.float('value_float');
  if (f !== undefined) return { kind: 'const', t: { dtype: 'float', dims: [], data: Float32Array.of(f) } };
  const fs = a.floats('value_floats');
  if (fs) return { kind: 'const', t: { dtype: 'float', dims: [fs.length], data: Float32Array.from(fs) } };
  const i = a.int('value_int');
  if (i !== undefined) return { kind: 'const', t: { dtype: 'int', dims: [], data: Float64Array.of(i) } };
  const is = a.ints('value_ints');
  if (is) return { kind: 'const', t: { dtype: 'int', dims: [is.length], data: Float64Array.from(is) } };
  unsupported(node.ref, 'attribute value', `expected a tensor, float(s) or int(s) constant, got attributes [${a.names().join(', ')}]`);
}

/** Cast's `to`: float types stay float, integer types int; others are refused. */
function castKind(ctx: WalkContext, node: GraphNode): 'float' | 'int' {
  const to = ctx.attrs(node).int('to');
  if (to === ElemType.FLOAT || to === ElemType.DOUBLE) return 'float';
  if (to === ElemType.INT32 || to === ElemType.INT64) return 'int';
  unsupported(node.ref, 'attribute to', `expected a cast to float, double, int32 or int64, got data type ${to}`);
}

function allocCheck(ctx: WalkContext, node: GraphNode, dims: readonly number[], what: string): void {
  const n = numel(dims);
  if (!Number.isSafeInteger(n)) invalidNode(node.ref, what, `expected a tensor of at most ${ctx.limits.maxTensorElements} elements, got shape [${dims.join(', ')}]`);
  ctx.budget.take(n, `${node.ref.label}'s ${what}`, node.ref.path);
}

/** Axes of Squeeze/Unsqueeze/Reduce: an attribute before opset 13, an input from 13 on. */
export function axesOf(ctx: WalkContext, node: GraphNode, slot: number): number[] | undefined {
  if (ctx.opset >= 13) return node.inputs[slot] ? ctx.intsInput(node, slot, 'axes') : undefined;
  return ctx.attrs(node).ints('axes');
}

/** Slice's starts/ends/axes/steps: attributes before opset 10, inputs from 10 on. */
export function sliceArgs(ctx: WalkContext, node: GraphNode, rank: number): { axis: number; start: number; end: number; step: number }[] {
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset >= 10) {
    starts = ctx.intsInput(node, 1, 'starts');
    ends = ctx.intsInput(node, 2, 'ends');
    axes = node.inputs[3] ? ctx.intsInput(node, 3, 'axes') : undefined;
    steps = node.inputs[4] ? ctx.intsInput(node, 4, 'steps') : undefined;
  } else {
    const a = ctx.attrs(node);
    starts = a.ints('starts') ?? [];
    ends = a.ints('ends') ?? [];
    axes = a.ints('axes');
  }
  if (ends.length !== starts.length || (axes && axes.length !== starts.length) || (steps && steps.length !== starts.length)) {
    invalidNode(node.ref, 'starts', `expected starts, ends, axes and steps of one length, got ${starts.length}, ${ends.length}, ${axes?.length ?? '-'}, ${steps?.length ?? '-'}`);
  }
  return starts.map((start, i) => {
    const axis = normAxis(axes ? axes[i] : i, rank);
    if (axis === undefined) invalidNode(node.ref, 'axes', `expected axes within rank ${rank}, got ${axes ? axes[i] : i}`);
    const step = steps ? steps[i] : 1;
    if (step === 0) invalidNode(node.ref, 'steps', 'expected non-zero steps, got 0');
    return { axis, start, end: ends[i], step };
  });
}

/** Folds `node` when everything it computes is known from constants and symbolic shapes. */
export function foldConstants(ctx: WalkContext, node: GraphNode): Value | undefined {
  const ins = node.inputs.map((_, i) => ctx.input(node, i));
  const a = ctx.attrs(node);
  switch (node.op) {
    case 'Constant':
      return constant(ctx, node);
    case 'Identity':
      return ins[0];
    case 'Cast': {
      const v = ins[0];
      const kind = castKind(ctx, node);
      if (isConst(v)) {
        const t = v.t;
        if (kind === t.dtype) return v;
        return { kind: 'const', t: kind === 'float' ? { dtype: 'float', dims: t.dims, data: Float32Array.from(t.data) } : { dtype: 'int', dims: t.dims, data: Float64Array.from(t.data, Math.trunc) } };
      }
      if (v?.kind === 'dims' && kind === 'int') return v;
      return undefined;
    }
    case 'Shape': {
      const v = ins[0];
      let items: Sym[];
      if (isConst(v)) items = [...v.t.dims];
      else if (v?.kind === 'zeros') items = [...v.shape];
      else if (v && 'axes' in v) items = v.axes.map((ax) => (ax.label === 'S0' || ax.label === 'S1' || ax.label === 'B' ? ax.label : ax.size!));
      else return undefined;
      // Shape-15's start/end: negative counts from the back, then clamped to [0, rank].
      const rank = items.length;
      const clampAxis = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clampAxis(a.int('start', 0));
      const end = clampAxis(a.int('end', rank));
      return fromSyms(false, items.slice(start, Math.max(start, end)));
    }
    case 'Gather': {
      const data = ins[0];
      const idxV = ins[1];
      if (!isConst(idxV) || idxV.t.dtype !== 'int') return undefined;
      const syms = symsOf(data);
      const rank = isConst(data) ? data.t.dims.length : syms && !syms.scalar ? 1 : -1;
      if (rank < 1) return undefined;
      const axis = normAxis(a.int('axis', 0), rank);
      if (axis === undefined) invalidNode(node.ref, 'attribute axis', `expected an axis within rank ${rank}, got ${a.int('axis', 0)}`);
      const extent = isConst(data) ? data.t.dims[axis] : syms!.items.length;
      const idx = Array.from(idxV.t.data, (i) => {
        const k = i < 0 ? i + extent : i;
        if (!(k >= 0 && k < extent)) invalidNode(node.ref, 'indices', `expected indices in [-${extent}, ${extent}), got ${i}`);
        return k;
      });
      if (isConst(data)) {
        if (data.t.dtype === 'float' && idxV.t.dims.length > 0) return undefined; // an embedding lookup with constant ids: leave to the heads
        allocCheck(ctx, node, [...data.t.dims.slice(0, axis), ...idxV.t.dims, ...data.t.dims.slice(axis + 1)], 'output');
        return { kind: 'const', t: takeConst(data.t, axis, idx, idxV.t.dims) };
      }
      if (syms && idxV.t.dims.length <= 1) return fromSyms(idxV.t.dims.length === 0, idx.map((k) => syms.items[k]));
      return undefined;
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const v = ins[0];
      const syms = symsOf(v);
      if (!isConst(v) && !(syms && v?.kind === 'dims')) return undefined;
      const axes = axesOf(ctx, node, 1);
      const dims: number[] = isConst(v) ? [...v.t.dims] : syms!.scalar ? [] : [syms!.items.length];
      let out: number[];
      if (node.op === 'Squeeze') {
        const drop = new Set((axes ?? dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((x) => normAxis(x, dims.length)));
        if (drop.has(undefined)) invalidNode(node.ref, 'axes', `expected axes within rank ${dims.length}, got [${axes!.join(', ')}]`);
        for (const k of drop) if (dims[k!] !== 1) invalidNode(node.ref, 'axes', `expected to squeeze axes of extent 1, got extent ${dims[k!]} at axis ${k}`);
        out = dims.filter((_, i) => !drop.has(i));
      } else {
        if (!axes) invalidNode(node.ref, 'axes', 'expected axes, got none');
        const rank = dims.length + axes.length;
        if (rank > ctx.limits.maxRank) invalidNode(node.ref, 'axes', `expected a result of rank ≤ ${ctx.limits.maxRank}, got ${rank}`);
        const put = new Set(axes.map((x) => normAxis(x, rank)));
        if (put.has(undefined) || put.size !== axes.length) invalidNode(node.ref, 'axes', `expected distinct axes within rank ${rank}, got [${axes.join(', ')}]`);
        const rest = [...dims];
        out = Array.from({ length: rank }, (_, i) => (put.has(i) ? 1 : rest.shift()!));
      }
      if (isConst(v)) return { kind: 'const', t: { ...v.t, dims: out } as ConstTensor };
      if (out.length > 1) return undefined;
      return { kind: 'dims', scalar: out.length === 0, items: syms!.items };
    }
    case 'Concat': {
      if (!ins.every((v) => v !== undefined)) return undefined;
      if (ins.every(isConst)) {
        const parts = ins.map((v) => v.t);
        const rank = parts[0].dims.length;
        const axis = normAxis(a.int('axis', 0), rank);
        if (axis === undefined) invalidNode(node.ref, 'attribute axis', `expected an axis within rank ${rank}, got ${a.int('axis', 0)}`);
        parts.forEach((p, i) => {
          if (p.dtype !== parts[0].dtype || p.dims.length !== rank || p.dims.some((d, k) => k !== axis && d !== parts[0].dims[k])) {
            invalidNode(node.ref, `input[${i}]`, `expected shapes that agree except on axis ${axis}, got [${p.dims.join(', ')}] and [${parts[0].dims.join(', ')}]`);
          }
        });
        const dims = [...parts[0].dims];
        dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
        allocCheck(ctx, node, dims, 'output');
        return { kind: 'const', t: concatConst(parts, axis) };
      }
      const syms = ins.map(symsOf);
      if (syms.every((s) => s && !s.scalar) && ins.some((v) => v!.kind === 'dims')) return fromSyms(false, syms.flatMap((s) => s!.items));
      return undefined;
    }
    case 'Transpose': {
      const v = ins[0];
      if (!isConst(v)) return undefined;
      const rank = v.t.dims.length;
      const perm = a.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => !(p >= 0 && p < rank))) invalidNode(node.ref, 'attribute perm', `expected a permutation of 0..${rank - 1}, got [${perm.join(', ')}]`);
      ctx.budget.take(v.t.data.length, `${node.ref.label}'s output`, node.ref.path);
      return { kind: 'const', t: transposeConst(v.t, perm) };
    }
    case 'Reshape': {
      const v = ins[0];
      if (!isConst(v)) return undefined;
      const target = ctx.intsInput(node, 1, 'shape');
      const allowZero = a.int('allowzero', 0) === 1;
      let infer = -1;
      const dims = target.map((d, i) => {
        if (d === 0 && !allowZero) {
          if (i >= v.t.dims.length) invalidNode(node.ref, 'shape', `expected 0 (copy) only within the input's rank ${v.t.dims.length}, got it at ${i}`);
          return v.t.dims[i];
        }
        if (d === -1) {
          if (infer >= 0) invalidNode(node.ref, 'shape', 'expected at most one -1');
          infer = i;
          return 1;
        }
        if (!(Number.isSafeInteger(d) && d >= 0)) invalidNode(node.ref, 'shape', `expected dimensions ≥ -1, got ${d}`);
        return d;
      });
      const known = numel(dims);
      if (infer >= 0) {
        if (known === 0 || v.t.data.length % known !== 0) invalidNode(node.ref, 'shape', `cannot infer -1: ${v.t.data.length} elements do not split into [${target.join(', ')}]`);
        dims[infer] = v.t.data.length / known;
      }
      if (numel(dims) !== v.t.data.length) invalidNode(node.ref, 'shape', `expected a shape of ${v.t.data.length} elements, got [${dims.join(', ')}]`);
      checkDims(dims, ctx.limits, `${node.ref.path}.shape`);
      return { kind: 'const', t: { ...v.t, dims } as ConstTensor };
    }
    case 'Slice': {
      const v = ins[0];
      if (!isConst(v) && !(v?.kind === 'dims' && !v.scalar)) return undefined;
      const dims = isConst(v) ? v.t.dims : [v.items.length];
      let t: ConstTensor | undefined = isConst(v) ? v.t : undefined;
      let items = v.kind === 'dims' ? v.items : undefined;
      for (const s of sliceArgs(ctx, node, dims.length)) {
        const idx = sliceIndices(t ? t.dims[s.axis] : items!.length, s.start, s.end, s.step);
        if (t) t = takeConst(t, s.axis, idx, [idx.length]);
        else items = idx.map((k) => items![k]);
      }
      return t ? { kind: 'const', t } : fromSyms(false, items!);
    }
    case 'ConstantOfShape': {
      const shape = symsOf(ins[0]);
      if (!shape || shape.scalar) return undefined;
      const value = constTensorAttr(ctx, node, 'value') ?? { dtype: 'float' as const, dims: [1], data: new Float32Array(1) };
      if (value.data.length !== 1) invalidNode(node.ref, 'attribute value', `expected a one-element tensor, got ${value.data.length} elements`);
      if (value.dtype === 'float' && value.data[0] === 0 && shape.items.length <= ctx.limits.maxRank) return { kind: 'zeros', shape: shape.items };
      if (!shape.items.every((s): s is number => typeof s === 'number')) unsupported(node.ref, 'attribute value', `expected a zero fill for a shape with dynamic extents, got ${value.data[0]}`);
      const dims = checkDims(shape.items, ctx.limits, `${node.ref.path}.input`);
      allocCheck(ctx, node, dims, 'output');
      const out: ConstTensor = value.dtype === 'float' ? { dtype: 'float', dims, data: new Float32Array(numel(dims)).fill(value.data[0]) } : { dtype: 'int', dims, data: new Float64Array(numel(dims)).fill(value.data[0]) };
      return { kind: 'const', t: out };
    }
    case 'Expand': {
      const v = ins[0];
      const shape = symsOf(ins[1]);
      if (!isConst(v) || !shape || shape.scalar) return undefined;
      if (v.t.dtype === 'float' && allZero(v.t)) return { kind: 'zeros', shape: shape.items };
      if (!shape.items.every((s): s is number => typeof s === 'number')) return undefined;
      const dims = broadcastDims(v.t.dims, checkDims(shape.items, ctx.limits, `${node.ref.path}.shape`));
      if (!dims) invalidNode(node.ref, 'shape', `expected a shape that [${v.t.dims.join(', ')}] broadcasts to, got [${shape.items.join(', ')}]`);
      allocCheck(ctx, node, dims, 'output');
      const zero: ConstTensor = v.t.dtype === 'float' ? { dtype: 'float', dims: [], data: new Float32Array(1) } : { dtype: 'int', dims: [], data: new Float64Array(1) };
      return { kind: 'const', t: elementwiseConst(v.t, zero, dims, (x) => x) };
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const [x, y] = ins;
      if (!isConst(x) || !isConst(y)) return undefined;
      if (x.t.dtype !== y.t.dtype) invalidNode(node.ref, 'input[1]', `expected both inputs of one element type, got ${x.t.dtype} and ${y.t.dtype}`);
      const dims = broadcastDims(x.t.dims, y.t.dims);
      if (!dims) invalidNode(node.ref, 'input[1]', `expected shapes that broadcast, got [${x.t.dims.join(', ')}] and [${y.t.dims.join(', ')}]`);
      allocCheck(ctx, node, dims, 'output');
      const f = node.op === 'Add' ? (p: number, q: number) => p + q : node.op === 'Sub' ? (p: number, q: number) => p - q : node.op === 'Mul' ? (p: number, q: number) => p * q : (p: number, q: number) => p / q;
      const out = elementwiseConst(x.t, y.t, dims, f);
      if (out.dtype === 'float') for (let i = 0; i < out.data.length; i++) out.data[i] = Math.fround(out.data[i]);
      return { kind: 'const', t: out };
    }
    case 'Neg': {
      const v = ins[0];
      if (!isConst(v)) return undefined;
      ctx.budget.take(v.t.data.length, `${node.ref.label}'s output`, node.ref.path);
      const t = v.t.dtype === 'float' ? { dtype: 'float' as const, dims: v.t.dims, data: v.t.data.map((q) => -q) } : { dtype: 'int' as const, dims: v.t.dims, data: v.t.data.map((q) => -q) };
      return { kind: 'const', t };
    }
    default:
      return undefined;
  }
}
