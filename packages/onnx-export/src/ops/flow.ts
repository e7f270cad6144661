import type { GraphBuilder } from '../graph_builder.js';
import { intsAttr } from '../proto.js';

/**
 * What flows between layers while the graph is built: the name of an ONNX value plus its
 * layout. `seq` values are [B, T, F] (`timeMajor` false) or [T, B, F] (true); `vec` values
 * are [B, F]. Recurrent ops want time-major input, so layouts change lazily, only where a
 * consumer needs another one.
 */
export interface Flow {
  name: string;
  kind: 'seq' | 'vec';
  timeMajor: boolean;
  features: number;
}

/** Values every layer may read: the int32 `lengths` input [B], when the export has one. */
export interface ExportContext {
  g: GraphBuilder;
  lengths?: string;
}

/** Swaps the first two axes of a rank-3 sequence: [B, T, F] ↔ [T, B, F]. */
export function withLayout(g: GraphBuilder, flow: Flow, timeMajor: boolean, stem: string): Flow {
  if (flow.kind !== 'seq' || flow.timeMajor === timeMajor) return flow;
  const name = g.op('Transpose', [flow.name], `${stem}_${timeMajor ? 'time_major' : 'batch_first'}`, [intsAttr('perm', [1, 0, 2])]);
  return { ...flow, name, timeMajor };
}
