import { RnnkitError } from '@rnnkit/core';
import type { DecodedTensorProto as TensorProto } from '@rnnkit/onnx-export/proto';
import type { NodeRef } from './errors.js';
import { clip, invalidFile, unsupported } from './errors.js';
import { int64ToNumber } from './int64.js';
import type { ElementBudget, ImportLimits } from './limits.js';

/** ONNX TensorProto.DataType codes this importer reads. */
export const ElemType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11, BOOL: 9 } as const;

/**
 * A constant tensor read from the file: float values as float32, integer values as JS numbers
 * (int64 magnitudes past 2^53 are rounded; they only occur as "to the end" sentinels).
 */
export type ConstTensor = { dtype: 'float'; dims: number[]; data: Float32Array } | { dtype: 'int'; dims: number[]; data: Float64Array };

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Checks a dims list from the file: a short list of non-negative safe integers. */
export function checkDims(raw: unknown[], limits: ImportLimits, argument: string): number[] {
  if (raw.length > limits.maxRank) invalidFile(argument, `expected rank ≤ ${limits.maxRank} (limits.maxRank), got ${raw.length}`);
  return raw.map((d, i) => {
    const n = int64ToNumber(d);
    if (!Number.isSafeInteger(n) || n < 0) invalidFile(`${argument}[${i}]`, `expected a dimension ≥ 0, got ${n}`);
    return n;
  });
}

/**
 * Reads an initializer or a Constant's tensor. Sizes are checked against the bytes that hold
 * them and the limits before any array is allocated; external data, segments and other element
 * types are refused.
 */
export function readTensor(t: TensorProto, limits: ImportLimits, budget: ElementBudget, argument: string, owner?: NodeRef): ConstTensor {
  const name = clip(t.name ?? '');
  const where = `tensor "${name}"`;
  if ((t.dataLocation ?? 0) !== 0 || (t.externalData?.length ?? 0) > 0) {
    const msg = `${where} keeps its data in an external file, which this importer does not read: save the model with its weights inside (onnx.save_model(m, path, save_as_external_data=False))`;
    if (owner) unsupported(owner, 'value', msg);
    throw new RnnkitError('UNSUPPORTED', `${argument}: ${msg}`, { argument });
  }
  if (t.segment) invalidFile(argument, `${where} is a segment of a larger tensor, which this importer does not read`);
  const dims = checkDims(t.dims ?? [], limits, `${argument}.dims`);
  const count = numel(dims);
  if (!Number.isSafeInteger(count)) invalidFile(`${argument}.dims`, `${where} declares ${dims.join('×')} elements, more than can exist`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const dataType = t.dataType ?? 0;
  const fromRaw = (bytesPer: number, kind: string) => {
    if (raw!.length !== count * bytesPer) {
      invalidFile(
        `${argument}.raw_data`,
        `${where}: expected ${count} ${kind} values (${count * bytesPer} bytes) for dims [${dims.join(', ')}], got ${raw!.length} bytes`,
      );
    }
    budget.take(count, where, argument);
    return new DataView(raw!.buffer, raw!.byteOffset, raw!.byteLength);
  };
  const fromList = (list: ArrayLike<unknown> | null | undefined, field: string) => {
    const n = list?.length ?? 0;
    if (n !== count) invalidFile(`${argument}.${field}`, `${where}: expected ${count} values for dims [${dims.join(', ')}], got ${n}`);
    budget.take(count, where, argument);
    return list as ArrayLike<unknown>;
  };
  // Every size is checked (fromRaw / fromList) before the array that holds the values exists.
  switch (dataType) {
    case ElemType.FLOAT:
    case ElemType.DOUBLE: {
      const double = dataType === ElemType.DOUBLE;
      if (raw) {
        const view = fromRaw(double ? 8 : 4, double ? 'float64' : 'float32');
        const data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = double ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
        return { dtype: 'float', dims, data };
      }
      const list = fromList(double ? t.doubleData : t.floatData, double ? 'double_data' : 'float_data');
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = list[i] as number;
      return { dtype: 'float', dims, data };
    }
    case ElemType.INT64: {
      if (raw) {
        const view = fromRaw(8, 'int64');
        const data = new Float64Array(count);
        for (let i = 0; i < count; i++) data[i] = Number(view.getBigInt64(i * 8, true));
        return { dtype: 'int', dims, data };
      }
      const list = fromList(t.int64Data, 'int64_data');
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = int64ToNumber(list[i]);
      return { dtype: 'int', dims, data };
    }
    case ElemType.INT32:
    case ElemType.BOOL: {
      if (raw) {
        const bytesPer = dataType === ElemType.BOOL ? 1 : 4;
        const view = fromRaw(bytesPer, dataType === ElemType.BOOL ? 'bool' : 'int32');
        const data = new Float64Array(count);
        for (let i = 0; i < count; i++) data[i] = bytesPer === 1 ? view.getUint8(i) : view.getInt32(i * 4, true);
        return { dtype: 'int', dims, data };
      }
      const list = fromList(t.int32Data, 'int32_data');
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = list[i] as number;
      return { dtype: 'int', dims, data };
    }
    default: {
      const known = dataType >= 1 && dataType <= 23;
      const message = `${where}: expected element type FLOAT, DOUBLE, INT32, INT64 or BOOL, got data type ${dataType}${known ? ' (convert the model to float32 weights)' : ''}`;
      if (known) throw new RnnkitError('UNSUPPORTED', `${argument}.data_type: ${message}`, { argument: `${argument}.data_type` });
      invalidFile(`${argument}.data_type`, message);
    }
  }
}
