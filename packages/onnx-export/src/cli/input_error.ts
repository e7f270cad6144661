import { RnnkitError } from '@rnnkit/core';

/**
 * An RnnkitError about one of the CLI's input files: the same code and message, plus the flag
 * and the path it came from, which the CLI prints in front (`rnnkit-onnx: --model "m.safetensors":
 * LIMIT_EXCEEDED: spec.layers[0].numLayers: …`).
 */
export class InputFileError extends RnnkitError {
  constructor(
    inner: RnnkitError,
    readonly flag: string,
    readonly path: string,
  ) {
    super(inner.code, inner.message, { ...(inner.argument !== undefined ? { argument: inner.argument } : {}), cause: inner });
  }
}

/** Runs `f`; an RnnkitError from it is tagged with the flag and file it is about. */
export async function about<R>(flag: string, path: string, f: () => R | Promise<R>): Promise<R> {
  try {
    return await f();
  } catch (e) {
    throw tag(e, flag, path);
  }
}

/** `e` tagged with its input (RnnkitErrors only; an error already tagged keeps its tag). */
export function tag(e: unknown, flag: string, path: string): unknown {
  return e instanceof RnnkitError && !(e instanceof InputFileError) ? new InputFileError(e, flag, path) : e;
}

/** The line the CLI prints for an error. */
export function describeCliError(e: RnnkitError): string {
  return e instanceof InputFileError ? `${e.flag} ${JSON.stringify(e.path)}: ${e.code}: ${e.message}` : `${e.code}: ${e.message}`;
}
