import { RnnkitError } from '@rnnkit/core';
import type { WalkContext } from './context.js';
import { clip } from './errors.js';
import type { InputRole } from './input_roles.js';
import type { Axis, OutputActivation, Value } from './values.js';
import { describeAxes } from './values.js';

/** An axis of a bound tensor, in rnnkit's terms. `one` is an extent-1 axis rnnkit does not have. */
export type BoundAxis = 'batch' | 'time' | 'feature' | 'rows' | 'one';

/** A graph input and what it is to the rnnkit model. */
export interface ImportedInput {
  /** The ONNX graph input's name. */
  name: string;
  /** `x`: float features; `ids`: token ids; `lengths`: per-sequence lengths; `h0`/`c0`: initial states of the first recurrent layer. */
  role: InputRole;
  /** The ONNX tensor's axes; they are always in the order rnnkit takes (`x` per the model's batchFirst, states [rows, batch, feature]). */
  axes: BoundAxis[];
}

/** A graph output and where it comes from in the rnnkit model. */
export interface ImportedOutput {
  /** The graph output's name in the file. */
  name: string;
  /** `output`: the model output; `hN`/`cN`: final states of recurrent layer `layer`. */
  role: 'output' | 'hN' | 'cN';
  /** For hN/cN: index of the recurrent layer in `spec.layers`. */
  layer?: number;
  /** For hN/cN: the rows [start, end) of rnnkit's [numLayers*dirs, batch, hidden] this output holds. */
  rows?: [number, number];
  /** The ONNX tensor's axes, in its order (rnnkit's tensor permuted, with extent-1 axes added or removed). */
  axes: BoundAxis[];
  /**
   * A final activation the ONNX graph applies and the rnnkit model leaves out (rnnkit has no
   * activation layers): the model outputs the values before it — logits for softmax, which is
   * what `crossEntropy` trains on. `runImported` applies it.
   */
  activation?: OutputActivation;
}

function boundAxis(ctx: WalkContext, a: Axis, where: string, argument: string): BoundAxis {
  const b = ctx.build.binding;
  switch (a.label) {
    case 'F':
      return 'feature';
    case 'B':
      return 'batch';
    case 'S0':
    case 'S1':
      if (!b) throw new RnnkitError('UNSUPPORTED', `${where}: has a sequence axis but the graph has no recurrent node to say which is time`, { argument });
      return a.label === b.time ? 'time' : 'batch';
    case 'Rows':
      return a.size === 1 ? 'one' : 'rows';
    case 'One':
      return 'one';
    case 'Dir':
      if (a.size === 1) return 'one';
      throw new RnnkitError(
        'UNSUPPORTED',
        `${where}: keeps the directions of a bidirectional output on their own axis; rnnkit's output has them side by side in the features (Transpose + Reshape to [.., 2*hidden])`,
        { argument },
      );
  }
}

/** Maps every graph output to the model output or a recurrent layer's final states. */
export function bindOutputs(ctx: WalkContext): ImportedOutput[] {
  const out: ImportedOutput[] = [];
  ctx.graph.outputs.forEach((o, i) => {
    const name = o.name!;
    const where = `graph.output "${clip(name)}"`;
    const argument = `graph.output[${i}]`;
    const v = ctx.values.get(name) as Value;
    if (v.kind === 'flow') {
      if (!ctx.build.isTip(v.at))
        throw new RnnkitError(
          'UNSUPPORTED',
          `${where}: is an intermediate value (after ${v.at.stage} of ${ctx.build.layers.length} layers); an rnnkit model outputs its last layer's result`,
          { argument },
        );
      if (v.dirPart !== undefined) throw new RnnkitError('UNSUPPORTED', `${where}: is one direction's half of a bidirectional output`, { argument });
      const axes = v.axes.map((a) => boundAxis(ctx, a, where, argument));
      if (out.some((x) => x.role === 'output')) throw new RnnkitError('UNSUPPORTED', `${where}: is a second copy of the model output`, { argument });
      out.push({ name, role: 'output', axes, ...(v.activation ? { activation: v.activation } : {}) });
      return;
    }
    if (v.kind === 'state') {
      const axes = v.axes.map((a) => boundAxis(ctx, a, where, argument));
      out.push({ name, role: v.which === 'h' ? 'hN' : 'cN', layer: v.layer, rows: v.rows, axes });
      return;
    }
    throw new RnnkitError(
      'UNSUPPORTED',
      `${where}: is a ${v.kind === 'const' || v.kind === 'zeros' ? 'constant' : `${v.kind} value`}${'axes' in v ? ` with axes ${describeAxes(v.axes)}` : ''}, not the model's output or a final state`,
      { argument },
    );
  });
  return out;
}

export function bindInputs(ctx: WalkContext, roles: Map<string, InputRole>): ImportedInput[] {
  const b = ctx.build.binding;
  // An h0/c0 input must hold exactly the rows rnnkit takes: every stacked layer and direction of the first recurrent layer.
  const first = ctx.build.layers.find((l) => l.spec.type === 'recurrent')?.spec;
  for (const [name, role] of roles) {
    if ((role !== 'h0' && role !== 'c0') || first?.type !== 'recurrent') continue;
    const v = ctx.values.get(name);
    const rows = first.numLayers * (first.bidirectional ? 2 : 1);
    if (v?.kind === 'initState' && v.rows[1] !== rows) {
      throw new RnnkitError(
        'UNSUPPORTED',
        `graph.input "${clip(name)}": declares ${v.rows[1]} rows of initial state, but the recurrent layer it starts has ${rows} (layers×directions); rnnkit takes exactly those`,
        { argument: `graph.input.${name}` },
      );
    }
  }
  const seq = (): BoundAxis[] => (b?.batch === 'S0' ? ['batch', 'time'] : ['time', 'batch']);
  return [...roles].map(([name, role]) => {
    switch (role) {
      case 'x':
        return { name, role, axes: [...seq(), 'feature'] };
      case 'ids':
        return { name, role, axes: seq() };
      case 'lengths':
        return { name, role, axes: ['batch'] };
      default:
        return { name, role, axes: ['rows', 'batch', 'feature'] };
    }
  });
}
