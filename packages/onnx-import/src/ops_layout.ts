import { sliceIndices } from './const_math.js';
import type { WalkContext } from './context.js';
import { invalidNode, unsupported } from './errors.js';
import type { GraphNode } from './graph.js';
import { axesOf, sliceArgs, symsOf } from './ops_const.js';
import { selectLastStep } from './ops_heads.js';
import type { Axis, Sym, Value } from './values.js';
import { describeAxes, normAxis } from './values.js';

/**
 * Glue on the data path and on state tensors: Transpose, Squeeze, Unsqueeze, Reshape, Slice,
 * Gather, Concat and Split, recognised by what they do to labelled axes (see values.ts). A
 * form whose meaning in rnnkit is not certain is refused, naming the node and input.
 */

type AxesValue = Extract<Value, { axes: Axis[] }>;

function hasAxes(v: Value | undefined): v is AxesValue {
  return v !== undefined && 'axes' in v;
}

function withAxes<V extends AxesValue>(v: V, axes: Axis[]): V {
  return { ...v, axes };
}

/** Which label is time on the data path (fixed by the first recurrent node). */
function timeLabel(ctx: WalkContext): 'S0' | 'S1' | undefined {
  return ctx.build.binding?.time;
}

function transpose(ctx: WalkContext, node: GraphNode, v: AxesValue): Value {
  const rank = v.axes.length;
  const perm = ctx.attrs(node).ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => !(p >= 0 && p < rank))) {
    invalidNode(node.ref, 'attribute perm', `expected a permutation of 0..${rank - 1} for an input of rank ${rank}, got [${perm.join(', ')}]`);
  }
  return withAxes(
    v,
    perm.map((p) => v.axes[p]),
  );
}

function squeeze(ctx: WalkContext, node: GraphNode, v: AxesValue): Value {
  const axes = axesOf(ctx, node, 1);
  if (!axes) {
    if (v.axes.some((a) => a.size === undefined))
      unsupported(
        node.ref,
        'axes',
        `expected explicit axes: without them Squeeze would also drop a batch or time axis of extent 1 at run time, on an input of axes ${describeAxes(v.axes)}`,
      );
  }
  const drop = new Set((axes ?? v.axes.flatMap((a, i) => (a.size === 1 ? [i] : []))).map((x) => normAxis(x, v.axes.length)));
  if (drop.has(undefined)) invalidNode(node.ref, 'axes', `expected axes within rank ${v.axes.length}, got [${axes!.join(', ')}]`);
  for (const k of drop) {
    const ax = v.axes[k!];
    if (ax.size !== 1)
      unsupported(
        node.ref,
        'axes',
        `squeezes axis ${k} (${ax.label}${ax.size !== undefined ? ` of extent ${ax.size}` : ', a dynamic extent'}) of an input with axes ${describeAxes(v.axes)}; only axes of extent 1 can be squeezed`,
      );
    if (ax.label === 'F') unsupported(node.ref, 'axes', 'squeezes the feature axis, which rnnkit layers always keep');
  }
  // A flow keeps its dirPart: squeezing the extent-1 Dir axis left by Split/Slice keeps the half it picked.
  return withAxes(
    v,
    v.axes.filter((_, i) => !drop.has(i)),
  );
}

function unsqueeze(ctx: WalkContext, node: GraphNode, v: AxesValue): Value {
  const axes = axesOf(ctx, node, 1);
  if (!axes) invalidNode(node.ref, 'axes', 'expected axes, got none');
  const rank = v.axes.length + axes.length;
  if (rank > ctx.limits.maxRank) invalidNode(node.ref, 'axes', `expected a result of rank ≤ ${ctx.limits.maxRank}, got ${rank}`);
  const put = new Set(axes.map((x) => normAxis(x, rank)));
  if (put.has(undefined) || put.size !== axes.length) invalidNode(node.ref, 'axes', `expected distinct axes within rank ${rank}, got [${axes.join(', ')}]`);
  const rest = [...v.axes];
  return withAxes(
    v,
    Array.from({ length: rank }, (_, i) => (put.has(i) ? { label: 'One' as const, size: 1 } : rest.shift()!)),
  );
}

/**
 * Reshape as a regrouping of labelled axes. Allowed: inserting or removing extent-1 axes,
 * keeping an axis, and merging [Dir, F] into one feature axis (directions side by side,
 * forward first, as PyTorch and rnnkit lay out a bidirectional output).
 */
function reshape(ctx: WalkContext, node: GraphNode, v: AxesValue): Value {
  const shape = symsOf(ctx.input(node, 1));
  if (!shape || shape.scalar) unsupported(node.ref, 'shape', 'expected a constant or shape-derived target shape');
  const allowZero = ctx.attrs(node).int('allowzero', 0) === 1;
  if (shape.items.length > ctx.limits.maxRank) invalidNode(node.ref, 'shape', `expected rank ≤ ${ctx.limits.maxRank}, got ${shape.items.length}`);
  // Target entries: an input axis copied (0 or a symbol), an extent, or -1.
  const target = shape.items.map((s, i): Axis | number => {
    if (s === 0 && !allowZero) {
      const ax = v.axes[i];
      if (!ax) invalidNode(node.ref, 'shape', `expected 0 (copy) only within the input's rank ${v.axes.length}, got it at ${i}`);
      return ax;
    }
    if (typeof s !== 'number') {
      const label = s === 'B' ? (ctx.build.binding?.batch ?? 'B') : s;
      const ax = v.axes.find((a) => a.label === label || (s === 'B' && a.label === 'B') || (a.label === 'B' && ctx.build.binding?.batch === s));
      if (!ax) unsupported(node.ref, 'shape', `reshapes to a dynamic extent (${s}) that is not an axis of the input ${describeAxes(v.axes)}`);
      return ax;
    }
    return s;
  });
  const inAxes = v.axes.filter((a) => a.label !== 'One');
  // Matches target entries to the input's axes left to right, trying for each entry: the
  // directions merged into the features ([Dir, F] → F of their product), one axis kept, or an
  // extent-1 axis inserted; the first assignment that uses every input axis wins (rank ≤ 8,
  // so the search is tiny). Extent-1 input axes may also be dropped.
  const match = (i: number, p: number): Axis[] | undefined => {
    if (i === target.length) return inAxes.slice(p).every((a) => a.size === 1 && a.label !== 'F') ? [] : undefined;
    const t = target[i];
    const rest = (axis: Axis, next: number) => {
      const tail = match(i + 1, next);
      return tail ? [axis, ...tail] : undefined;
    };
    if (typeof t !== 'number') return inAxes[p] === t ? rest(t, p + 1) : inAxes[p]?.size === 1 && inAxes[p].label !== 'F' ? match(i, p + 1) : undefined;
    const [a0, a1] = [inAxes[p], inAxes[p + 1]];
    if (a0?.label === 'Dir' && a1?.label === 'F' && (t === -1 || a0.size! * a1.size! === t)) {
      const merged = rest({ label: 'F', size: a0.size! * a1.size! }, p + 2);
      if (merged) return merged;
    }
    if (a0 && (t === -1 || a0.size === t)) {
      const kept = rest(a0, p + 1);
      if (kept) return kept;
    }
    if (t === 1) {
      const inserted = rest({ label: 'One', size: 1 }, p);
      if (inserted) return inserted;
    }
    if (a0?.size === 1 && a0.label !== 'F') return match(i, p + 1);
    return undefined;
  };
  const out = match(0, 0);
  if (!out)
    unsupported(
      node.ref,
      'shape',
      `reshapes axes ${describeAxes(v.axes)} to [${shape.items.join(', ')}], which is not a regrouping rnnkit can express (it can merge the directions into the features, keep axes, and add or drop extent-1 axes)`,
    );
  return withAxes(v, out);
}

/** Gather / Slice on one axis, by what that axis means. `keep` leaves it as extent 1. */
function pick(_ctx: WalkContext, node: GraphNode, v: AxesValue, axis: number, indices: number[], keep: boolean): Value {
  const ax = v.axes[axis];
  const without = v.axes.filter((_, i) => i !== axis);
  const what = node.op === 'Gather' ? 'indices' : 'starts';
  if (ax.size !== undefined) {
    for (const i of indices)
      if (!(i >= 0 && i < ax.size)) invalidNode(node.ref, what, `expected an index within axis ${ax.label} of extent ${ax.size}, got ${i}`);
  }
  switch (ax.label) {
    case 'One':
      if (indices.length !== 1) invalidNode(node.ref, what, `expected one index into an axis of extent 1, got ${indices.length}`);
      return withAxes(v, keep ? v.axes : without);
    case 'F':
      if (indices.length === ax.size && indices.every((i, k) => i === k)) return v;
      return unsupported(node.ref, what, `selects some features of an input with axes ${describeAxes(v.axes)}; rnnkit layers use all features`);
    case 'Dir': {
      if (v.kind !== 'flow') break;
      if (indices.length === ax.size && indices.every((i, k) => i === k)) return v;
      if (indices.length !== 1) break;
      const dirPart = ax.size === 1 ? undefined : indices[0];
      const axes = keep ? v.axes.map((a, i) => (i === axis ? { label: 'Dir' as const, size: 1 } : a)) : without;
      return { ...v, axes, ...(dirPart !== undefined ? { dirPart } : {}) };
    }
    case 'Rows': {
      if (v.kind !== 'state' && v.kind !== 'initState') break;
      const sorted = indices.every((i, k) => k === 0 || i === indices[k - 1] + 1);
      if (!sorted || indices.length === 0)
        unsupported(
          node.ref,
          what,
          `selects rows [${indices.join(', ')}] of a state tensor; only a contiguous range of layers×directions maps to rnnkit's states`,
        );
      const rows: [number, number] = [v.rows[0] + indices[0], v.rows[0] + indices[indices.length - 1] + 1];
      const axes = keep || indices.length > 1 ? v.axes.map((a, i) => (i === axis ? { label: 'Rows' as const, size: indices.length } : a)) : without;
      return { ...v, rows, axes };
    }
    default:
      break;
  }
  unsupported(
    node.ref,
    what,
    `selects [${indices.slice(0, 4).join(', ')}${indices.length > 4 ? ', …' : ''}] on axis ${axis} (${ax.label}) of a ${v.kind} with axes ${describeAxes(v.axes)}, which rnnkit cannot express`,
  );
}

/** True when an axis is the time axis of the data path. */
function isTime(ctx: WalkContext, ax: Axis): boolean {
  return ax.label === timeLabel(ctx);
}

function gather(ctx: WalkContext, node: GraphNode, v: AxesValue): Value {
  const idx = ctx.constInput(node, 1, 'indices');
  if (idx.dtype !== 'int') invalidNode(node.ref, 'indices', 'expected integer indices');
  if (idx.dims.length > 1) unsupported(node.ref, 'indices', `expected a scalar or a 1-D index, got rank ${idx.dims.length}`);
  const axis = normAxis(ctx.attrs(node).int('axis', 0), v.axes.length);
  if (axis === undefined) invalidNode(node.ref, 'attribute axis', `expected an axis within rank ${v.axes.length}, got ${ctx.attrs(node).int('axis', 0)}`);
  const ax = v.axes[axis];
  const raw = Array.from(idx.data);
  if (v.kind === 'flow' && isTime(ctx, ax)) {
    if (raw.length !== 1 || raw[0] !== -1)
      unsupported(node.ref, 'indices', `takes steps [${raw.slice(0, 4).join(', ')}] of the time axis; rnnkit selects only the last step (index -1)`);
    return selectLastStep(ctx, node, v, axis, idx.dims.length === 1);
  }
  const extent = ax.size;
  const norm = raw.map((i) => (i < 0 && extent !== undefined ? i + extent : i));
  return pick(ctx, node, v, axis, norm, idx.dims.length === 1);
}

function slice(ctx: WalkContext, node: GraphNode, v: AxesValue): Value {
  let out: Value = v;
  for (const s of sliceArgs(ctx, node, v.axes.length)) {
    const cur = out as AxesValue;
    const ax = cur.axes[s.axis];
    if (cur.kind === 'flow' && isTime(ctx, ax)) {
      const toEnd = s.step === 1 && s.start === -1 && s.end >= 2 ** 31 - 1;
      if (!toEnd)
        unsupported(
          node.ref,
          'starts',
          `slices steps ${s.start}..${s.end} (step ${s.step}) of the time axis; rnnkit selects only the last step (starts -1, ends past the end)`,
        );
      out = selectLastStep(ctx, node, cur, s.axis, true);
      continue;
    }
    if (ax.size === undefined) {
      if (s.start === 0 && s.step === 1 && s.end >= 2 ** 31 - 1) continue;
      unsupported(node.ref, 'starts', `slices the dynamic axis ${ax.label} of ${describeAxes(cur.axes)}`);
    }
    const idx = sliceIndices(ax.size, s.start, s.end, s.step);
    out = pick(ctx, node, cur, s.axis, idx, true);
  }
  return out;
}

function concat(ctx: WalkContext, node: GraphNode, parts: AxesValue[]): Value {
  const first = parts[0];
  const rank = first.axes.length;
  const axis = normAxis(ctx.attrs(node).int('axis', 0), rank);
  if (axis === undefined) invalidNode(node.ref, 'attribute axis', `expected an axis within rank ${rank}, got ${ctx.attrs(node).int('axis', 0)}`);
  if (parts.length === 1) return first;
  const ax = first.axes[axis];
  // Directions side by side: [.., H] forward ++ [.., H] reverse of one bidirectional output.
  if (first.kind === 'flow' && ax.label === 'F') {
    const flows = parts as Extract<Value, { kind: 'flow' }>[];
    const ok =
      flows.length === 2 &&
      flows.every(
        (f, k) =>
          f.kind === 'flow' &&
          f.dirPart === k &&
          f.at.stage === first.at.stage &&
          f.at.version === first.at.version &&
          describeAxes(f.axes) === describeAxes(first.axes),
      );
    if (!ok)
      unsupported(
        node.ref,
        'input',
        'concatenates features that are not the forward and reverse halves, in that order, of one bidirectional output; rnnkit cannot express that',
      );
    const axes = first.axes.map((a, i) => (i === axis ? { label: 'F' as const, size: a.size! * 2 } : a));
    const { dirPart: _drop, ...rest } = first;
    return { ...rest, axes };
  }
  if (first.kind === 'state' && ax.label === 'Rows') {
    const states = parts as Extract<Value, { kind: 'state' }>[];
    for (let k = 1; k < states.length; k++) {
      const s = states[k];
      if (
        s.kind !== 'state' ||
        s.layer !== first.layer ||
        s.which !== first.which ||
        s.rows[0] !== states[k - 1].rows[1] ||
        describeAxes(s.axes.filter((_, i) => i !== axis)) !== describeAxes(first.axes.filter((_, i) => i !== axis))
      ) {
        unsupported(node.ref, `input[${k}]`, 'concatenates state rows that are not consecutive rows of one rnnkit layer’s final states');
      }
    }
    const rows: [number, number] = [first.rows[0], states[states.length - 1].rows[1]];
    return { ...first, rows, axes: first.axes.map((a, i) => (i === axis ? { label: 'Rows' as const, size: rows[1] - rows[0] } : a)) };
  }
  unsupported(node.ref, 'input', `concatenates ${parts.map((p) => p.kind).join(', ')} values on axis ${axis} (${ax.label}), which rnnkit cannot express`);
}

function split(ctx: WalkContext, node: GraphNode, v: AxesValue): Value[] {
  const a = ctx.attrs(node);
  const axis = normAxis(a.int('axis', 0), v.axes.length);
  if (axis === undefined) invalidNode(node.ref, 'attribute axis', `expected an axis within rank ${v.axes.length}, got ${a.int('axis', 0)}`);
  const extent = v.axes[axis].size;
  if (extent === undefined) unsupported(node.ref, 'attribute axis', `splits the dynamic axis ${v.axes[axis].label}`);
  const sizes =
    (ctx.opset >= 13 ? (node.inputs[1] ? ctx.intsInput(node, 1, 'split') : undefined) : a.ints('split')) ??
    Array.from({ length: node.outputs.length }, () => extent / node.outputs.length);
  if (sizes.length !== node.outputs.length || sizes.reduce((s, x) => s + x, 0) !== extent || sizes.some((x) => !Number.isInteger(x) || x < 0)) {
    invalidNode(node.ref, 'split', `expected ${node.outputs.length} sizes summing to ${extent}, got [${sizes.join(', ')}]`);
  }
  let start = 0;
  return sizes.map((n) => {
    const idx = Array.from({ length: n }, (_, k) => start + k);
    start += n;
    return pick(ctx, node, v, axis, idx, true);
  });
}

/** Symbolic shape arithmetic on zero tensors (initial states built for a dynamic batch). */
function zerosOp(ctx: WalkContext, node: GraphNode, z: Extract<Value, { kind: 'zeros' }>): Value | undefined {
  const rank = z.shape.length;
  switch (node.op) {
    case 'Identity':
    case 'Cast':
      return z;
    case 'Transpose': {
      const perm = ctx.attrs(node).ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => !(p >= 0 && p < rank)))
        invalidNode(node.ref, 'attribute perm', `expected a permutation of 0..${rank - 1}, got [${perm.join(', ')}]`);
      return { kind: 'zeros', shape: perm.map((p) => z.shape[p]) };
    }
    case 'Slice': {
      const shape = [...z.shape];
      for (const s of sliceArgs(ctx, node, rank)) {
        const d = shape[s.axis];
        if (typeof d === 'number') shape[s.axis] = sliceIndices(d, s.start, s.end, s.step).length;
      }
      return { kind: 'zeros', shape };
    }
    case 'Squeeze': {
      const axes = axesOf(ctx, node, 1) ?? z.shape.flatMap((d, i) => (d === 1 ? [i] : []));
      const drop = new Set(axes.map((x) => normAxis(x, rank)));
      return { kind: 'zeros', shape: z.shape.filter((_, i) => !drop.has(i)) };
    }
    case 'Unsqueeze': {
      const axes = axesOf(ctx, node, 1) ?? [];
      const out = rank + axes.length;
      if (out > ctx.limits.maxRank) invalidNode(node.ref, 'axes', `expected a result of rank ≤ ${ctx.limits.maxRank}, got ${out}`);
      const put = new Set(axes.map((x) => normAxis(x, out)));
      const rest = [...z.shape];
      return { kind: 'zeros', shape: Array.from({ length: out }, (_, i): Sym => (put.has(i) ? 1 : (rest.shift() ?? 1))) };
    }
    case 'Gather': {
      const axis = normAxis(ctx.attrs(node).int('axis', 0), rank);
      const idx = ctx.constInput(node, 1, 'indices');
      if (axis === undefined) invalidNode(node.ref, 'attribute axis', `expected an axis within rank ${rank}`);
      return { kind: 'zeros', shape: [...z.shape.slice(0, axis), ...idx.dims, ...z.shape.slice(axis + 1)] };
    }
    case 'Reshape': {
      const target = symsOf(ctx.input(node, 1));
      if (!target || target.scalar) return undefined;
      return { kind: 'zeros', shape: target.items.map((s, i) => (s === 0 ? (z.shape[i] ?? 0) : s === -1 ? 'B' : s)) };
    }
    default:
      return undefined;
  }
}

/** The lengths input through Cast / Sub 1 / Add -1 / Unsqueeze, as a last-step index. */
function lengthsOp(ctx: WalkContext, node: GraphNode, l: Extract<Value, { kind: 'lengths' }>): Value | undefined {
  switch (node.op) {
    case 'Identity':
    case 'Cast':
      return l;
    case 'Sub':
    case 'Add': {
      if (node.inputs.indexOf(node.inputs[0]) !== 0 || ctx.input(node, 0) !== l) return undefined;
      const c = ctx.input(node, 1);
      if (c?.kind !== 'const' || c.t.data.length !== 1) return undefined;
      return { ...l, offset: l.offset + (node.op === 'Sub' ? -c.t.data[0] : c.t.data[0]) };
    }
    case 'Unsqueeze':
      return unsqueeze(ctx, node, l);
    default:
      return undefined;
  }
}

/** Applies a glue op to a non-constant value; undefined when the op is not glue. */
export function applyLayout(ctx: WalkContext, node: GraphNode): Value | Value[] | undefined {
  const v = ctx.input(node, 0);
  if (v?.kind === 'zeros') return zerosOp(ctx, node, v);
  if (v?.kind === 'lengths') return lengthsOp(ctx, node, v);
  if (!hasAxes(v)) return undefined;
  switch (node.op) {
    case 'Identity':
      return v;
    case 'Cast': {
      const to = ctx.attrs(node).int('to');
      const intLike = v.kind === 'ids';
      if (intLike ? to !== 6 && to !== 7 : to !== 1)
        unsupported(
          node.ref,
          'attribute to',
          `casts ${intLike ? 'token ids' : 'float data'} to data type ${to}, which changes values rnnkit keeps as ${intLike ? 'integers' : 'float32'}`,
        );
      return v;
    }
    case 'Transpose':
      return transpose(ctx, node, v);
    case 'Squeeze':
      return squeeze(ctx, node, v);
    case 'Unsqueeze':
      return unsqueeze(ctx, node, v);
    case 'Reshape':
      return reshape(ctx, node, v);
    case 'Gather':
      return gather(ctx, node, v);
    case 'Slice':
      return slice(ctx, node, v);
    case 'Split':
      return split(ctx, node, v);
    case 'Concat': {
      const parts = node.inputs.map((_, i) => ctx.input(node, i));
      if (!parts.every(hasAxes)) unsupported(node.ref, 'input', `concatenates the data path with ${parts.map((p) => p?.kind ?? 'nothing').join(', ')}`);
      return concat(ctx, node, parts as AxesValue[]);
    }
    default:
      return undefined;
  }
}
