import { describe, quote, RnnkitError } from '../errors.js';
import type { Limits } from '../limits.js';
import { DEFAULT_LIMITS, limitExceeded, resolveLimits } from '../limits.js';
import { formatShape } from '../tensor.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors), written here by hand —
 * it is small and no npm package for it is kept up:
 *
 *     [8 bytes: N, little-endian u64][N bytes: JSON header][data]
 *
 * The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }`, offsets
 * relative to the start of the data section, plus an optional `__metadata__` of string → string.
 * Data is little-endian and row-major. Parsing is as strict as the reference Rust reader: the
 * header must be UTF-8 JSON starting with `{`, every byte range must match its dtype and shape,
 * and the ranges must tile the data section exactly — no gaps, overlaps or trailing bytes.
 */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL' | 'F8_E4M3' | 'F8_E5M2';

const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** Bytes per element of a safetensors dtype. */
export function dtypeByteSize(dtype: SafetensorsDtype): number {
  return DTYPE_BYTES[dtype];
}

function isDtype(v: unknown): v is SafetensorsDtype {
  return typeof v === 'string' && Object.hasOwn(DTYPE_BYTES, v);
}

/** The reference reader's cap on the header size (100 MB): a larger length is a corrupt or hostile file. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a parsed file; `data` is a view of the file's bytes (little-endian), not a copy. */
export interface SafetensorsTensor {
  /** Element type as the file names it, e.g. `F32`, `BF16`, `I64`. */
  dtype: SafetensorsDtype;
  /** Extent of each axis; `[]` for a scalar. */
  shape: number[];
  /** The raw little-endian bytes: product of `shape` × the dtype's byte size. */
  data: Uint8Array;
}

/** What `parseSafetensors` returns: the file's tensors and its `__metadata__`. */
export interface SafetensorsFile {
  /** Tensors in the order of their data in the file. */
  tensors: Map<string, SafetensorsTensor>;
  /** The header's `__metadata__` string map; empty when the file has none. */
  metadata: Record<string, string>;
}

/** What `serializeSafetensors` writes: raw little-endian bytes with a dtype, or a typed array (dtype inferred). */
export type SafetensorsInput =
  | SafetensorsTensor
  | {
      /** With a Uint8Array: the dtype its raw bytes hold. Otherwise it must match the array (Float32Array → F32, …). @defaultValue the array's own dtype (U8 for a Uint8Array) */
      dtype?: SafetensorsDtype;
      /** Extent of each axis; its product must equal the element count. */
      shape: readonly number[];
      /** The values: a typed array of the dtype, or raw little-endian bytes (Uint8Array) of `dtype`. */
      data: Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | BigInt64Array | BigUint64Array;
    };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bad(message: string, argument = 'bytes'): never {
  throw new RnnkitError('INVALID_FILE', `${argument}: ${message}`, { argument });
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Options of `parseSafetensors`: the bounds a header must stay within. */
export interface ParseSafetensorsOptions {
  /** Largest header accepted, in bytes (default SAFETENSORS_MAX_HEADER_BYTES); the same as `limits.maxHeaderBytes`. */
  maxHeaderBytes?: number;
  /** Header limits (maxHeaderBytes, maxHeaderEntries, maxHeaderValues, maxNameBytes); see `Limits`. */
  limits?: Partial<Limits>;
}

/** The options' limits, checked: `maxHeaderBytes` given on its own wins over `limits.maxHeaderBytes`. */
export function safetensorsLimits(options: unknown, argument = 'options'): Readonly<Limits> {
  if (options === undefined) return DEFAULT_LIMITS;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected an options object ({ maxHeaderBytes, limits }), got ${describe(options)}`, { argument });
  }
  const o = options as ParseSafetensorsOptions;
  const limits = resolveLimits(o.limits, `${argument}.limits`);
  if (o.maxHeaderBytes === undefined) return limits;
  return resolveLimits({ maxHeaderBytes: o.maxHeaderBytes }, argument, limits);
}

/** Deepest nesting a header may have: `{ name: { shape: [..] } }` is 3; metadata 2. */
const MAX_HEADER_DEPTH = 8;

/**
 * One pass over the header's bytes before JSON.parse sees them: counts entries (top-level keys
 * and `__metadata__` keys), JSON values and key lengths against the limits, so a hostile header
 * (a million empty tensors, a 50 MB name) is refused in milliseconds without being built. Also
 * counts every object key, which `checkNoDuplicateKeys` compares with what JSON.parse kept.
 */
function scanHeader(h: Uint8Array, limits: Readonly<Limits>): { keys: number } {
  const META = [0x5f, 0x5f, 0x6d, 0x65, 0x74, 0x61, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x5f]; // __metadata__
  const isObject: boolean[] = []; // per depth (1-based): an object (true) or an array
  let depth = 0;
  let values = 0;
  let entries = 0;
  let keys = 0;
  let inString = false;
  let expectKey = false; // the next string is a key
  let keyStart = -1;
  let lastTopKeyIsMeta = false;
  let inMetadata = false; // inside the top-level "__metadata__" object
  for (let i = 0; i < h.length; i++) {
    const c = h[i];
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next byte
      else if (c === 0x22 && keyStart >= 0) {
        inString = false;
        const len = i - keyStart - 1;
        if (len > limits.maxNameBytes) {
          const head = new TextDecoder().decode(h.subarray(keyStart + 1, keyStart + 1 + Math.min(len, 60)));
          limitExceeded(
            'bytes',
            'maxNameBytes',
            limits.maxNameBytes,
            'bytes in one tensor name or metadata key',
            len,
            `the key starting ${JSON.stringify(head)}…`,
          );
        }
        keys++;
        if (depth === 1 || (depth === 2 && inMetadata)) {
          if (++entries > limits.maxHeaderEntries) {
            limitExceeded(
              'bytes',
              'maxHeaderEntries',
              limits.maxHeaderEntries,
              'entries in the header (tensors and metadata keys)',
              `more (entry ${entries} ends at byte ${8 + i})`,
              'the header is corrupt, hostile, or needs a higher limit',
            );
          }
        }
        if (depth === 1) lastTopKeyIsMeta = len === META.length && META.every((m, k) => h[keyStart + 1 + k] === m);
        keyStart = -1;
      } else if (c === 0x22) inString = false;
      continue;
    }
    switch (c) {
      case 0x22: // "
        inString = true;
        if (expectKey) {
          keyStart = i;
          expectKey = false;
        } else values++;
        break;
      case 0x7b: // {
      case 0x5b: // [
        depth++;
        values++;
        if (depth > MAX_HEADER_DEPTH) bad(`header nests deeper than ${MAX_HEADER_DEPTH} levels (at byte ${8 + i}): not a safetensors header`);
        isObject[depth] = c === 0x7b;
        expectKey = c === 0x7b;
        if (depth === 2) inMetadata = c === 0x7b && lastTopKeyIsMeta;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        expectKey = false;
        depth--;
        if (depth < 2) inMetadata = false;
        break;
      case 0x2c: // ,
        expectKey = isObject[depth] === true;
        break;
      default:
        if (c > 0x20 && c !== 0x3a && (i === 0 || !isScalarByte(h[i - 1]))) values++; // a number or literal starts
        break;
    }
    if (values > limits.maxHeaderValues)
      limitExceeded(
        'bytes',
        'maxHeaderValues',
        limits.maxHeaderValues,
        'JSON values in the header',
        `more (value ${values} at byte ${8 + i})`,
        'the header is corrupt, hostile, or needs a higher limit',
      );
  }
  return { keys };
}

/** Bytes that continue a number or a literal (true, false, null). */
function isScalarByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2b || c === 0x2d || (c >= 0x41 && c <= 0x5a);
}

/** Object keys in a parsed header, to compare with the keys the scan saw (fewer: JSON.parse merged duplicates). */
function countKeys(v: unknown, depth = 0): number {
  if (v === null || typeof v !== 'object' || depth > MAX_HEADER_DEPTH) return 0;
  if (Array.isArray(v)) {
    let n = 0;
    for (const x of v) if (x !== null && typeof x === 'object') n += countKeys(x, depth + 1);
    return n;
  }
  let n = 0;
  for (const k in v as Record<string, unknown>) {
    if (!Object.hasOwn(v, k)) continue;
    n++;
    const x = (v as Record<string, unknown>)[k];
    if (x !== null && typeof x === 'object') n += countKeys(x, depth + 1);
  }
  return n;
}

/** The first key that occurs twice in one object of `text` (found only after the counts disagreed). */
function firstDuplicateKey(text: string): string {
  let found = '';
  const re = /"((?:[^"\\]|\\.)*)"\s*:/g;
  const stack: Set<string>[] = [new Set()];
  let i = 0;
  let inStr = false;
  for (; i < text.length && !found; i++) {
    const ch = text[i];
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '{') stack.push(new Set());
    else if (ch === '}') stack.pop();
    else if (ch === '"') {
      re.lastIndex = i;
      const m = re.exec(text);
      if (m && m.index === i) {
        const key = JSON.parse(`"${m[1]}"`) as string;
        const top = stack[stack.length - 1];
        if (top.has(key)) found = key;
        top.add(key);
        i = re.lastIndex - 1;
      } else inStr = true;
    }
  }
  return found;
}

/**
 * Reads a safetensors file. Everything is checked before anything is returned; any fault is an
 * `RnnkitError` with code `INVALID_FILE` saying what is wrong and where, and a header over a
 * limit (`options.limits`, see `Limits`) is `LIMIT_EXCEEDED`, found before the header is parsed.
 * Duplicate keys are refused (JSON.parse would silently keep the last).
 */
export function parseSafetensors(bytes: Uint8Array, options: ParseSafetensorsOptions = {}): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) {
    throw new RnnkitError('INVALID_ARGUMENT', `bytes: expected a Uint8Array (e.g. from readFile), got ${describe(bytes)}`, { argument: 'bytes' });
  }
  const limits = safetensorsLimits(options);
  const maxHeader = limits.maxHeaderBytes;
  if (bytes.length < 8) bad(`expected at least 8 bytes (the header length), got ${bytes.length}: the file is truncated or not safetensors`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  const overLimit = maxHeader !== Infinity && n64 > BigInt(maxHeader);
  if (n64 > BigInt(bytes.length - 8)) {
    // Past the end of the file: a corrupt length (or a truncated file), whatever the limit.
    bad(
      `header length ${n64}${overLimit ? ` exceeds the ${maxHeader}-byte limit and` : ''} runs past the end of the file (${bytes.length - 8} bytes after the length): the file is corrupt, truncated or not safetensors`,
    );
  }
  if (overLimit)
    limitExceeded('bytes', 'maxHeaderBytes', maxHeader, 'header bytes', String(n64), 'the file is corrupt, not safetensors, or needs a higher limit');
  const n = Number(n64);
  if (n < 2) bad(`header length ${n} is too small for a JSON object`);
  const headerBytes = bytes.subarray(8, 8 + n);
  if (headerBytes[0] !== 0x7b) bad(`header must start with "{" (0x7b), got byte 0x${headerBytes[0].toString(16).padStart(2, '0')}`);
  const scanned = scanHeader(headerBytes, limits);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch (e) {
    throw new RnnkitError('INVALID_FILE', 'bytes: header is not valid UTF-8', { argument: 'bytes', cause: e });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new RnnkitError('INVALID_FILE', `bytes: header is not valid JSON (${(e as Error).message})`, { argument: 'bytes', cause: e });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('header must be a JSON object');
  if (countKeys(header) !== scanned.keys) {
    bad(`header has the key ${quote(firstDuplicateKey(text))} twice in one object: a duplicate entry would silently replace the first`);
  }

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('__metadata__ must be an object of strings', 'bytes.__metadata__');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') bad(`__metadata__ values must be strings, got ${describe(v)} for ${quote(k)}`, `bytes.__metadata__[${quote(k)}]`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true }); // "__proto__" stays a key
      }
      continue;
    }
    const at = `bytes[${quote(name)}]`;
    if (name === '') bad('tensor names must not be empty', at);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('expected { dtype, shape, data_offsets }', at);
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(info.dtype)) bad(`unknown dtype ${describe(info.dtype)} (expected one of ${Object.keys(DTYPE_BYTES).join(', ')})`, at);
    if (!Array.isArray(info.shape) || info.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      bad(`shape must be an array of non-negative integers, got ${describe(info.shape)}`, at);
    }
    if ((info.shape as number[]).length > 64) bad(`shape must have at most 64 dimensions, got ${(info.shape as number[]).length}`, at);
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      bad(`data_offsets must be [begin, end] non-negative integers, got ${describe(off)}`, at);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) bad(`data_offsets [${begin}, ${end}] end before they begin`, at);
    const shape = info.shape as number[];
    const expected = numel(shape) * DTYPE_BYTES[info.dtype];
    if (!Number.isSafeInteger(expected) || end - begin !== expected) {
      bad(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${info.dtype} ${formatShape(shape)} needs ${expected}`, at);
    }
    if (end > dataLength) bad(`data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes): the file is truncated`, at);
    entries.push({ name, dtype: info.dtype, shape, begin, end });
  }
  // The byte ranges must tile [0, dataLength) exactly, as the reference reader requires.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) bad(`data_offsets [${e.begin}, ${e.end}] overlap the previous tensor's bytes (which end at ${cursor})`, `bytes[${quote(e.name)}]`);
    if (e.begin > cursor) bad(`data_offsets [${e.begin}, ${e.end}] leave a gap: bytes ${cursor}..${e.begin} belong to no tensor`, `bytes[${quote(e.name)}]`);
    cursor = e.end;
  }
  if (cursor !== dataLength) {
    bad(
      `the tensors cover ${cursor} bytes of data but the file has ${dataLength}: ${cursor < dataLength ? 'trailing bytes after the last tensor' : 'the file is truncated'}`,
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: bytes.subarray(dataStart + e.begin, dataStart + e.end) });
  }
  return { tensors, metadata };
}

function inferDtype(data: SafetensorsInput['data']): SafetensorsDtype | undefined {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Uint16Array) return 'U16';
  if (data instanceof Uint8Array) return 'U8';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof BigUint64Array) return 'U64';
  return undefined;
}

/** Little-endian bytes of a typed array (a byte copy: NaN payloads and -0 survive). */
function leBytes(data: SafetensorsInput['data'], elementBytes: number): Uint8Array {
  const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || elementBytes === 1 || data instanceof Uint8Array) return src;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += elementBytes) for (let k = 0; k < elementBytes; k++) out[i + k] = src[i + elementBytes - 1 - k];
  return out;
}

/**
 * Writes tensors (in the given order) and string metadata as one safetensors file. A Uint8Array
 * with an explicit dtype is taken as raw little-endian bytes of that dtype; other typed arrays
 * set the dtype themselves. The header is padded with spaces so the data starts 8-byte aligned,
 * as the reference writer does.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsInput> | Readonly<Record<string, SafetensorsInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  if (tensors === null || typeof tensors !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `tensors: expected a Map or an object of name → { dtype?, shape, data }, got ${describe(tensors)}`, {
      argument: 'tensors',
    });
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, SafetensorsInput>);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object')
      throw new RnnkitError('INVALID_ARGUMENT', `metadata: expected an object of strings, got ${describe(metadata)}`, { argument: 'metadata' });
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new RnnkitError('INVALID_ARGUMENT', `metadata.${k}: expected a string, got ${describe(v)}`, { argument: `metadata.${k}` });
    }
    if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of list) {
    const at = `tensors["${name}"]`;
    if (name === '' || name === '__metadata__')
      throw new RnnkitError('INVALID_ARGUMENT', `${at}: expected a non-empty tensor name other than __metadata__`, { argument: at });
    if (t === null || typeof t !== 'object' || !ArrayBuffer.isView(t.data)) {
      throw new RnnkitError('INVALID_ARGUMENT', `${at}: expected { dtype?, shape, data: typed array }, got ${describe(t)}`, { argument: at });
    }
    const inferred = inferDtype(t.data);
    const dtype = t.dtype ?? inferred;
    if (!isDtype(dtype))
      throw new RnnkitError('INVALID_ARGUMENT', `${at}.dtype: expected one of ${Object.keys(DTYPE_BYTES).join(', ')}, got ${describe(dtype)}`, {
        argument: `${at}.dtype`,
      });
    const raw = t.data instanceof Uint8Array;
    if (!raw && inferred !== dtype) {
      throw new RnnkitError(
        'INVALID_ARGUMENT',
        `${at}.dtype: a ${t.data.constructor.name} holds ${inferred}, got dtype ${dtype} (pass raw bytes as a Uint8Array to write another dtype)`,
        { argument: `${at}.dtype` },
      );
    }
    if (!Array.isArray(t.shape) || t.shape.some((d: unknown) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      throw new RnnkitError('INVALID_ARGUMENT', `${at}.shape: expected non-negative integers, got ${describe(t.shape)}`, { argument: `${at}.shape` });
    }
    const size = DTYPE_BYTES[dtype];
    const bytes = leBytes(t.data, raw ? 1 : size);
    if (bytes.length !== numel(t.shape) * size) {
      throw new RnnkitError('SHAPE_MISMATCH', `${at}: ${dtype} ${formatShape(t.shape)} needs ${numel(t.shape) * size} bytes, got ${bytes.length}`, {
        argument: at,
      });
    }
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * A floating-point tensor's values as a new Float32Array. F32 is copied bit for bit; F16 and
 * BF16 widen exactly; F64 rounds to the nearest float32. Other dtypes are an `INVALID_FILE`
 * error naming the tensor.
 */
export function safetensorsToFloat32(t: SafetensorsTensor, name = 'tensor'): Float32Array {
  if (t === null || typeof t !== 'object' || !(t.data instanceof Uint8Array) || !Array.isArray(t.shape) || !isDtype(t.dtype)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${name}: expected a parsed tensor { dtype, shape, data: Uint8Array }, got ${describe(t)}`, { argument: name });
  }
  if (t.data.length !== numel(t.shape) * DTYPE_BYTES[t.dtype]) {
    throw new RnnkitError(
      'SHAPE_MISMATCH',
      `${name}: ${t.dtype} ${formatShape(t.shape)} needs ${numel(t.shape) * DTYPE_BYTES[t.dtype]} bytes, got ${t.data.length}`,
      { argument: name },
    );
  }
  const n = numel(t.shape);
  const v = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  switch (t.dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(t.data);
      else for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f16ToF32(v.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = v.getUint16(i * 2, true) << 16;
      return out;
    }
    default:
      throw new RnnkitError('INVALID_FILE', `${name}: expected a floating-point dtype (F32, F64, F16 or BF16), got ${t.dtype}`, { argument: name });
  }
}

/** An I8 tensor's values as a new Int8Array; any other dtype is an `INVALID_FILE` error. */
export function safetensorsToInt8(t: SafetensorsTensor, name = 'tensor'): Int8Array {
  if (t === null || typeof t !== 'object' || !(t.data instanceof Uint8Array) || !Array.isArray(t.shape) || !isDtype(t.dtype)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${name}: expected a parsed tensor { dtype, shape, data: Uint8Array }, got ${describe(t)}`, { argument: name });
  }
  if (t.dtype !== 'I8') throw new RnnkitError('INVALID_FILE', `${name}: expected dtype I8 (int8 weights), got ${t.dtype}`, { argument: name });
  if (t.data.length !== numel(t.shape)) {
    throw new RnnkitError('INVALID_FILE', `${name}: I8 ${formatShape(t.shape)} needs ${numel(t.shape)} bytes, got ${t.data.length}`, { argument: name });
  }
  return new Int8Array(t.data.slice().buffer);
}

/**
 * An integer tensor's values as a new Int32Array — PyTorch's int64 `lengths` or token ids, for
 * `lengths`/`ids` arguments. I64 and U64 are read as bigints and every value must fit int32
 * (else `INVALID_FILE` naming the tensor, the index and the value); I32, I16, I8, U16, U8 always
 * fit; U32 is checked. Float and bool dtypes are an `INVALID_FILE` error.
 */
export function safetensorsToInt32(t: SafetensorsTensor, name = 'tensor'): Int32Array {
  if (t === null || typeof t !== 'object' || !(t.data instanceof Uint8Array) || !Array.isArray(t.shape) || !isDtype(t.dtype)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${name}: expected a parsed tensor { dtype, shape, data: Uint8Array }, got ${describe(t)}`, { argument: name });
  }
  const n = numel(t.shape);
  if (t.data.length !== n * DTYPE_BYTES[t.dtype]) {
    throw new RnnkitError('SHAPE_MISMATCH', `${name}: ${t.dtype} ${formatShape(t.shape)} needs ${n * DTYPE_BYTES[t.dtype]} bytes, got ${t.data.length}`, {
      argument: name,
    });
  }
  const v = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Int32Array(n);
  const tooBig = (i: number, value: bigint | number): never => {
    throw new RnnkitError('INVALID_FILE', `${name}[${i}]: expected a value that fits int32 (−2147483648..2147483647), got ${describe(value)}`, {
      argument: name,
    });
  };
  switch (t.dtype) {
    case 'I64':
    case 'U64':
      for (let i = 0; i < n; i++) {
        const x = t.dtype === 'I64' ? v.getBigInt64(i * 8, true) : v.getBigUint64(i * 8, true);
        if (x < -2147483648n || x > 2147483647n) tooBig(i, x);
        out[i] = Number(x);
      }
      return out;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 4, true);
      return out;
    case 'U32':
      for (let i = 0; i < n; i++) {
        const x = v.getUint32(i * 4, true);
        if (x > 2147483647) tooBig(i, x);
        out[i] = x;
      }
      return out;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = v.getInt16(i * 2, true);
      return out;
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = v.getUint16(i * 2, true);
      return out;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = v.getInt8(i);
      return out;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = v.getUint8(i);
      return out;
    default:
      throw new RnnkitError('INVALID_FILE', `${name}: expected an integer dtype (I64, I32, I16, I8, U64, U32, U16 or U8), got ${t.dtype}`, { argument: name });
  }
}
