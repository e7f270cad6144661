import { RnnkitError } from '@rnnkit/core';

/** Where in the file a fault sits: a node (by name, or by index when unnamed) and its op. */
export interface NodeRef {
  /** `node "LSTM_3" (LSTM)` or `node #4 (Gemm)`: what messages print. */
  label: string;
  /** The `argument` of errors about this node: `graph.node[4]`. */
  path: string;
}

/** A value as error messages show it: short, never a dump of a large array or object. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(clip(value, 40));
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Shortens file-supplied text (names, op types) so a hostile 50 MB name can't become a 50 MB message. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/** The file is malformed: it breaks the ONNX format or its own declarations. */
export function invalidFile(argument: string, message: string, cause?: unknown): never {
  throw new RnnkitError('INVALID_FILE', `${argument}: ${message}`, { argument, ...(cause === undefined ? {} : { cause }) });
}

/** The file is valid ONNX but holds something rnnkit cannot express; `what` names the attribute or input. */
export function unsupported(node: NodeRef, what: string, message: string): never {
  throw new RnnkitError('UNSUPPORTED', `${node.label}, ${what}: ${message}`, { argument: `${node.path}.${what}` });
}

/** A fault in a node's own data (an attribute of the wrong type, an input of the wrong rank). */
export function invalidNode(node: NodeRef, what: string, message: string): never {
  throw new RnnkitError('INVALID_FILE', `${node.label}, ${what}: ${message}`, { argument: `${node.path}.${what}` });
}
