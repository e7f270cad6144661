import { RnnkitError } from '@rnnkit/core';
import type { DecodedValueInfoProto as ValueInfoProto } from '@rnnkit/onnx-export/proto';
import { clip } from './errors.js';
import type { IndexedGraph } from './graph.js';
import { int64ToNumber } from './int64.js';
import { ElemType } from './tensors.js';
import type { Value } from './values.js';

/** What a graph input is to the rnnkit model, decided by where it flows. */
export type InputRole = 'x' | 'ids' | 'lengths' | 'h0' | 'c0';

/** Ops a role search passes through: they move or reshape a value without changing its meaning. */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Transpose', 'Squeeze', 'Unsqueeze', 'Reshape', 'Slice', 'Gather', 'Split', 'Concat', 'Sub', 'Add']);

/**
 * Follows each graph input forward to the first input slot that gives it a meaning: a recurrent
 * node's X, sequence_lens, initial_h or initial_c; the indices of a Gather on a table (token
 * ids); the data input of MatMul/Gemm.
 */
function findRole(graph: IndexedGraph, name: string): InputRole | undefined {
  const seen = new Set<string>([name]);
  const queue = [name];
  for (let q = 0; q < queue.length; q++) {
    for (const { node, slot } of graph.consumers.get(queue[q]) ?? []) {
      if (node.op === 'RNN' || node.op === 'LSTM' || node.op === 'GRU') {
        const role = ({ 0: 'x', 4: 'lengths', 5: 'h0', 6: 'c0' } as Record<number, InputRole>)[slot];
        if (role) return role;
        continue;
      }
      // The indices of a Gather are token ids (the walk checks that the table is a constant).
      if (node.op === 'Gather' && slot === 1) return 'ids';
      if ((node.op === 'MatMul' || node.op === 'Gemm') && slot === 0) return 'x';
      if (node.op === 'GatherND' && slot === 1) return 'lengths';
      if (!PASS_THROUGH.has(node.op)) continue;
      for (const o of node.outputs) {
        if (o !== '' && !seen.has(o)) {
          seen.add(o);
          queue.push(o);
        }
      }
    }
  }
  return undefined;
}

function elemTypeOf(v: ValueInfoProto): number | undefined {
  return v.type?.value.case === 'tensorType' ? v.type.value.value.elemType : undefined;
}

/** Declared dims: numbers for fixed extents, undefined for symbolic or missing ones. */
function declaredDims(v: ValueInfoProto): (number | undefined)[] | undefined {
  const dims = v.type?.value.case === 'tensorType' ? v.type.value.value.shape?.dim : undefined;
  if (!dims) return undefined;
  return dims.map((d) => {
    const n = d.value.case === 'dimValue' ? int64ToNumber(d.value.value) : Number.NaN;
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  });
}

/** The starting value of each graph input, by role. */
export function inputValues(graph: IndexedGraph): { values: Map<string, Value>; roles: Map<string, InputRole> } {
  const values = new Map<string, Value>();
  const roles = new Map<string, InputRole>();
  const at = { stage: 0, version: 0 };
  for (const [name, info] of graph.inputs) {
    const where = `graph.input "${clip(name)}"`;
    const role = findRole(graph, name);
    if (!role) {
      if (!graph.consumers.has(name)) continue; // unused: nothing to feed it from rnnkit
      throw new RnnkitError('UNSUPPORTED', `${where}: reaches no recurrent node, embedding or linear layer, so it has no meaning in an rnnkit model`, {
        argument: `graph.input.${name}`,
      });
    }
    for (const [other, r] of roles) {
      if (r === role)
        throw new RnnkitError('UNSUPPORTED', `${where}: is a second ${role} input (after "${clip(other)}"); rnnkit models take one of each`, {
          argument: `graph.input.${name}`,
        });
    }
    roles.set(name, role);
    const dims = declaredDims(info);
    const elem = elemTypeOf(info);
    const rank = dims?.length;
    const mustBe = (want: number, what: string) => {
      if (rank !== undefined && rank !== want)
        throw new RnnkitError('UNSUPPORTED', `${where}: expected ${what} (rank ${want}), got rank ${rank}`, { argument: `graph.input.${name}` });
    };
    switch (role) {
      case 'x': {
        mustBe(3, 'a float sequence [batch, time, features] or [time, batch, features]');
        if (elem !== undefined && elem !== ElemType.FLOAT)
          throw new RnnkitError('UNSUPPORTED', `${where}: expected float32 data, got data type ${elem}`, { argument: `graph.input.${name}` });
        const D = dims?.[2];
        values.set(name, { kind: 'flow', axes: [{ label: 'S0' }, { label: 'S1' }, { label: 'F', ...(D !== undefined ? { size: D } : {}) }], at });
        break;
      }
      case 'ids':
        mustBe(2, 'token ids [batch, time] or [time, batch]');
        values.set(name, { kind: 'ids', input: name, axes: [{ label: 'S0' }, { label: 'S1' }] });
        break;
      case 'lengths':
        mustBe(1, 'sequence lengths [batch]');
        values.set(name, { kind: 'lengths', input: name, offset: 0, axes: [{ label: 'B' }] });
        break;
      case 'h0':
      case 'c0': {
        mustBe(3, 'an initial state [layers×directions, batch, hidden]');
        // Undeclared extents stay unknown; the recurrent node that reads the state checks them (and names itself).
        const rows = dims?.[0];
        const H = dims?.[2];
        values.set(name, {
          kind: 'initState',
          input: name,
          rows: [0, rows ?? Number.NaN],
          axes: [{ label: 'Rows', ...(rows !== undefined ? { size: rows } : {}) }, { label: 'B' }, { label: 'F', ...(H !== undefined ? { size: H } : {}) }],
        });
        break;
      }
    }
  }
  return { values, roles };
}
