import type { RnnkitErrorCode } from '../errors.js';
import { quote, RnnkitError } from '../errors.js';
import type { ModelSpec } from '../graph/spec.js';
import { formatShape } from '../tensor.js';
import type { ParamInfo } from './names.js';
import { modelParams } from './names.js';

/**
 * How names from outside (a safetensors file, a caller's state dict) map onto a model's
 * parameter names (`{layer index}.{PyTorch name}`), in this order:
 * 1. `prefixes` rewrites a leading prefix, longest first — `{ 'rnn.': '0.', 'fc.': '2.' }` for a
 *    PyTorch module with `self.rnn` and `self.fc`;
 * 2. a bare recurrent name (`weight_ih_l0`, `bias_hh_l1_reverse`, … — what a plain
 *    `nn.RNN/LSTM/GRU` `state_dict()` holds) belongs to the model's recurrent layer when it has
 *    exactly one: `weight_ih_l0` → `0.weight_ih_l0` for a model whose layer 0 is that layer;
 * 3. anything else is taken as it is.
 */
export const BARE_RECURRENT_NAME = /^(weight|bias)_(ih|hh)_l\d+(_reverse)?$/;

/** What matching names found, as `torch.nn.Module.load_state_dict` reports it. */
export interface LoadStateDictResult {
  /** Model parameters nothing mapped onto (model names); they kept their values. */
  missing: string[];
  /** Names given that map onto no parameter (as given); they were ignored. */
  unexpected: string[];
}

export interface NameMatch<T> {
  /** Model name → [the name as given, its value], in state_dict order. */
  matched: Map<string, [source: string, value: T]>;
  missing: ParamInfo[];
  /** [name as given, the model name it was read as]. */
  unexpected: [source: string, mapped: string][];
}

/** `{index}.` of the model's only recurrent layer, or undefined when it has none or several. */
export function singleRecurrentPrefix(spec: ModelSpec): string | undefined {
  const recurrent = spec.layers.flatMap((l, i) => (l.type === 'recurrent' ? [i] : []));
  return recurrent.length === 1 ? `${recurrent[0]}.` : undefined;
}

/**
 * Maps every given name (rules above) onto the model's parameters. Two names onto one parameter
 * throw `code` (INVALID_FILE for a file, INVALID_ARGUMENT for a caller's map).
 */
export function matchParamNames<T>(
  names: Iterable<[string, T]>,
  spec: ModelSpec,
  prefixes: readonly [string, string][],
  argument: string,
  code: RnnkitErrorCode,
): NameMatch<T> {
  const infos = modelParams(spec);
  const known = new Set(infos.map((p) => p.name));
  const recurrentPrefix = singleRecurrentPrefix(spec);
  const sorted = [...prefixes].sort((a, b) => b[0].length - a[0].length);
  const byModelName = new Map<string, [string, T]>();
  const unexpected: [string, string][] = [];
  for (const [name, value] of names) {
    let mapped = name;
    const prefix = sorted.find(([from]) => name.startsWith(from));
    if (prefix) mapped = prefix[1] + name.slice(prefix[0].length);
    else if (recurrentPrefix !== undefined && BARE_RECURRENT_NAME.test(name) && !known.has(name)) mapped = recurrentPrefix + name;
    if (!known.has(mapped)) {
      unexpected.push([name, mapped]);
      continue;
    }
    const prior = byModelName.get(mapped);
    if (prior !== undefined)
      throw new RnnkitError(code, `${argument}: tensors ${quote(prior[0])} and ${quote(name)} both map to parameter ${quote(mapped)}`, { argument });
    byModelName.set(mapped, [name, value]);
  }
  const matched = new Map<string, [string, T]>();
  const missing: ParamInfo[] = [];
  for (const p of infos) {
    const m = byModelName.get(p.name);
    if (m) matched.set(p.name, m);
    else missing.push(p);
  }
  return { matched, missing, unexpected };
}

/** Names for a message: the first eight quoted, then how many more. */
function listNames(names: readonly string[]): string {
  return names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} in all)` : '');
}

/**
 * The strict-mode error: every unexpected and every missing name (`noun`: "tensor" for files,
 * "parameter" for maps), what the model holds, and how to load the rest anyway.
 */
export function strictMismatchError<T>(m: NameMatch<T>, spec: ModelSpec, argument: string, code: RnnkitErrorCode, noun: string): RnnkitError {
  const parts: string[] = [];
  if (m.unexpected.length > 0) {
    const shown = m.unexpected.map(([src, mapped]) => (src === mapped ? quote(src) : `${quote(src)} (read as ${quote(mapped)})`));
    const expected = modelParams(spec).map((p) => `${p.name} ${formatShape(p.shape)}`);
    parts.push(`unexpected ${noun}${m.unexpected.length > 1 ? 's' : ''} ${listNames(shown)}: the model's parameters are ${expected.join(', ')}`);
  }
  if (m.missing.length > 0) {
    const shown = m.missing.map((p) => `${quote(p.name)} of shape ${formatShape(p.shape)}`);
    const given = [...m.matched.values()].map(([src]) => quote(src)).concat(m.unexpected.map(([src]) => quote(src)));
    parts.push(`missing ${noun}${m.missing.length > 1 ? 's' : ''} ${listNames(shown)} (given: ${given.length > 0 ? listNames(given) : 'none'})`);
  }
  return new RnnkitError(
    code,
    `${argument}: ${parts.join('; ')}. Pass { strict: false } to load the ${noun}s that match and get { missing, unexpected } back, as torch's load_state_dict(strict=False) does`,
    { argument },
  );
}

/** The result reported to the caller (plain name lists). */
export function loadResult<T>(m: NameMatch<T>): LoadStateDictResult {
  return { missing: m.missing.map((p) => p.name), unexpected: m.unexpected.map(([src]) => src) };
}

/**
 * Parameter names as written by `stateDict({ names: 'bare' })`: the only recurrent layer's
 * prefix dropped (`0.weight_ih_l0` → `weight_ih_l0`, what a plain `nn.LSTM` loads); other
 * layers keep `{index}.`. Throws INVALID_ARGUMENT for a model without exactly one recurrent layer.
 */
export function bareNames(spec: ModelSpec, argument: string): (name: string) => string {
  const prefix = singleRecurrentPrefix(spec);
  if (prefix === undefined) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `${argument}: names "bare" needs a model with exactly one recurrent layer (bare names like weight_ih_l0 would be ambiguous); use names "model" (the default)`,
      { argument },
    );
  }
  return (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
}
