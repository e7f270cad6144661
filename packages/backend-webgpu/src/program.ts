import { RnnkitError } from '@rnnkit/core';
import { SHADER_STAGE_COMPUTE } from './constants.js';
import type { GemmForm } from './kernels/gemm_impl.js';
import type { BufferPool, GpuBuf } from './pool.js';

export type ScalarType = 'u32' | 'i32' | 'f32';

/**
 * How the backend stores float data (`createWebgpuBackend({ precision })`): `f32`, or `f16`
 * (half the bytes; needs the adapter's `shader-f16` feature). Kernels compute in f32 either way.
 */
export type WebgpuPrecision = 'f32' | 'f16';

/** Bytes of one stored float under `precision`. */
export function floatBytesOf(precision: WebgpuPrecision): 2 | 4 {
  return precision === 'f16' ? 2 : 4;
}

/**
 * One WGSL compute kernel. The header (a `Params` struct bound as uniform `P` at binding 0, then
 * one storage array per entry of `buffers` at bindings 1..n) is generated from the fields here,
 * so the TypeScript side and the shader never disagree on layout. `code` holds the rest of the
 * module and defines `fn main`.
 *
 * Storage precision: a buffer of type `f32` holds the backend's stored floats, declared
 * `array<F>` where the header defines `alias F = f32` (default) or, under precision `f16`,
 * `enable f16; alias F = f16`. Code reads such a buffer as `f32(x[i])` and writes `F(v)`, so
 * arithmetic (accumulators, workgroup tiles, gate math) stays f32 and only storage rounds;
 * params (`P`) are f32 either way. Both conversions are no-ops under f32.
 */
export interface KernelDef {
  /** Unique per distinct source: the pipeline cache key. */
  readonly key: string;
  readonly params: readonly (readonly [name: string, type: ScalarType])[];
  readonly buffers: readonly (readonly [name: string, access: 'read' | 'read_write', type: ScalarType])[];
  readonly code: string;
}

export function kernel(def: KernelDef): KernelDef {
  return def;
}

/** Memoizes generated kernel variants (one per specialization key). */
export function kernelFamily<A>(make: (arg: A) => KernelDef): (arg: A) => KernelDef {
  const cache = new Map<string, KernelDef>();
  return (arg: A) => {
    const k = JSON.stringify(arg);
    let d = cache.get(k);
    if (!d) cache.set(k, (d = make(arg)));
    return d;
  };
}

function paramsBytes(def: KernelDef): number {
  return Math.max(16, Math.ceil((def.params.length * 4) / 16) * 16);
}

/** The whole WGSL module of `def` under `precision` (see `KernelDef` on `F`). */
export function wgslSource(def: KernelDef, precision: WebgpuPrecision = 'f32'): string {
  const fields = def.params.length ? def.params.map(([n, t]) => `  ${n}: ${t},`).join('\n') : '  _pad: u32,';
  const bindings = def.buffers
    .map(([n, access, t], i) => `@group(0) @binding(${i + 1}) var<storage, ${access}> ${n}: array<${t === 'f32' ? 'F' : t}>;`)
    .join('\n');
  const header = precision === 'f16' ? 'enable f16;\nalias F = f16;' : 'alias F = f32;';
  return `${header}\nstruct Params {\n${fields}\n}\n@group(0) @binding(0) var<uniform> P: Params;\n${bindings}\n${def.code}`;
}

interface Compiled {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  bytes: number;
}

/** Bind groups kept for reuse; the least recently used go beyond this. */
const MAX_BIND_GROUPS = 2048;

/**
 * Compiled pipelines of one device, built on first use, and the bind groups made for them.
 * Bind groups are kept across submits (up to MAX_BIND_GROUPS, least recently used dropped),
 * keyed by kernel and buffer ids: pooled buffers come back with their ids, so a steady loop of
 * ops makes none. Creating one costs, and Dawn in Node reclaims them only when the event loop
 * turns: ~65k made in one synchronous run crash it (seen on lavapipe).
 */
export class PipelineCache {
  private readonly compiled = new Map<string, Compiled>();
  /** Bind groups made since the event loop last turned (counted only with `burstLimit`). */
  private burst = 0;
  /** Buffer ids are never reused, so a group of a destroyed buffer is never hit again and ages out. */
  private readonly groups = new Map<string, GPUBindGroup>();
  constructor(
    private readonly device: GPUDevice,
    /**
     * Most bind groups one synchronous run may make before the event loop turns; beyond it,
     * an RnnkitError instead of the crash the driver would give (lavapipe under Dawn: 65,536).
     */
    private readonly burstLimit = Infinity,
    /** The storage precision every kernel is compiled for. */
    private readonly precision: WebgpuPrecision = 'f32',
  ) {}

  private countBurst(): void {
    if (this.burstLimit === Infinity) return;
    if (this.burst++ === 0) {
      const t = setTimeout(() => void (this.burst = 0), 0) as { unref?: () => void };
      t.unref?.();
    }
    if (this.burst > this.burstLimit) {
      this.burst = 0;
      throw new RnnkitError(
        'BACKEND_FAILURE',
        `webgpu: ${this.burstLimit} GPU bind groups were made without the event loop turning; this driver under Dawn (Node) frees them only when it turns and crashes past ~65k: await something (e.g. backend.sync()) between batches of ops`,
      );
    }
  }

  /** The bind group of `def` over the uniform buffer (at binding 0) and `buffers` (1..n). */
  bindGroup(def: KernelDef, uniform: GpuBuf, buffers: readonly GpuBuf[]): GPUBindGroup {
    const key = `${def.key}|${uniform.id}|${buffers.map((b) => b.id).join(',')}`;
    let bg = this.groups.get(key);
    if (bg) {
      // Most recently used last: Map iteration order is insertion order.
      this.groups.delete(key);
      this.groups.set(key, bg);
      return bg;
    }
    if (this.groups.size >= MAX_BIND_GROUPS) this.groups.delete(this.groups.keys().next().value!);
    this.countBurst();
    const compiled = this.get(def);
    bg = this.device.createBindGroup({
      layout: compiled.layout,
      entries: [
        { binding: 0, resource: { buffer: uniform.buffer, offset: 0, size: compiled.bytes } },
        ...buffers.map((b, i) => ({ binding: i + 1, resource: { buffer: b.buffer } })),
      ],
    });
    this.groups.set(key, bg);
    return bg;
  }

  get(def: KernelDef): Compiled {
    let c = this.compiled.get(def.key);
    if (c) return c;
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: paramsBytes(def) } },
      ...def.buffers.map(([, access], i) => ({
        binding: i + 1,
        visibility: SHADER_STAGE_COMPUTE,
        buffer: { type: access === 'read' ? ('read-only-storage' as const) : ('storage' as const) },
      })),
    ];
    const layout = this.device.createBindGroupLayout({ entries, label: `rnnkit-${def.key}` });
    const module = this.device.createShaderModule({ code: wgslSource(def, this.precision), label: `rnnkit-${def.key}` });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
      label: `rnnkit-${def.key}`,
    });
    c = { pipeline, layout, bytes: paramsBytes(def) };
    this.compiled.set(def.key, c);
    return c;
  }
}

export type Workgroups = readonly [number, number?, number?];

type Cmd =
  | { kind: 'dispatch'; def: KernelDef; offset: number; buffers: readonly GpuBuf[]; groups: Workgroups }
  | { kind: 'copy'; src: GpuBuf; srcOffset: number; dst: GpuBuf; dstOffset: number; bytes: number }
  | { kind: 'clear'; dst: GpuBuf; bytes: number };

export interface ProgramContext {
  device: GPUDevice;
  pipelines: PipelineCache;
  uniforms: BufferPool;
  storage: BufferPool;
  /** minUniformBufferOffsetAlignment of the device. */
  uniformAlign: number;
  maxWorkgroups: number;
  /** Dispatches and command-buffer submits so far (the bench reports them per forward and step). */
  counters: WorkCounters;
  /** Bytes of one stored float: 4, or 2 under precision `f16`. */
  floatBytes: number;
  /** The GEMM kernel `encodeGemm` records (the `gemmKernel` option, resolved). */
  gemmForm: GemmForm;
}

/** What the device was asked to do: compute dispatches and command buffers submitted. */
export interface WorkCounters {
  /** Compute dispatches recorded into submitted command buffers. */
  dispatches: number;
  /** Command buffers submitted to the queue (readbacks' copies included). */
  submits: number;
}

/**
 * Records dispatches and copies, then sends them as ONE command buffer: the parameters of
 * every dispatch go into one uniform buffer (one slot each, bound with a dynamic offset), written
 * once before the submit. A fused recurrent kernel records all its steps into one Program.
 */
export class Program {
  private readonly cmds: Cmd[] = [];
  private data = new ArrayBuffer(4096);
  private used = 0;
  private readonly temps: GpuBuf[] = [];

  constructor(private readonly ctx: ProgramContext) {}

  /** The GEMM kernel `encodeGemm` records into this program. */
  get gemmForm(): GemmForm {
    return this.ctx.gemmForm;
  }

  /** maxComputeWorkgroupsPerDimension of the device. */
  get maxWorkgroups(): number {
    return this.ctx.maxWorkgroups;
  }

  dispatch(def: KernelDef, params: Readonly<Record<string, number | boolean>>, buffers: readonly GpuBuf[], groups: Workgroups): void {
    if (buffers.length !== def.buffers.length) {
      throw new Error(`rnnkit webgpu internal: kernel ${def.key} takes ${def.buffers.length} buffers, got ${buffers.length}`);
    }
    const [gx, gy = 1, gz = 1] = groups;
    if (gx === 0 || gy === 0 || gz === 0) return;
    const max = this.ctx.maxWorkgroups;
    if (gx > max || gy > max || gz > max) {
      throw new Error(`rnnkit webgpu internal: kernel ${def.key} dispatch [${gx}, ${gy}, ${gz}] exceeds ${max} workgroups per dimension`);
    }
    const bytes = paramsBytes(def);
    const offset = Math.ceil(this.used / this.ctx.uniformAlign) * this.ctx.uniformAlign;
    if (offset + bytes > this.data.byteLength) {
      const grown = new ArrayBuffer(Math.max(this.data.byteLength * 2, offset + bytes));
      new Uint8Array(grown).set(new Uint8Array(this.data, 0, this.used));
      this.data = grown;
    }
    const u = new Uint32Array(this.data, offset, bytes / 4);
    const f = new Float32Array(this.data, offset, bytes / 4);
    const i = new Int32Array(this.data, offset, bytes / 4);
    def.params.forEach(([name, type], k) => {
      const v = params[name];
      if (v === undefined) throw new Error(`rnnkit webgpu internal: kernel ${def.key} param ${name} missing`);
      const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (type === 'f32') f[k] = n;
      else if (type === 'i32') i[k] = n;
      else u[k] = n;
    });
    this.used = offset + bytes;
    this.cmds.push({ kind: 'dispatch', def, offset, buffers, groups: [gx, gy, gz] });
  }

  /**
   * Copies stored floats; offsets and size in bytes, multiples of the float size. A buffer copy
   * where all three are multiples of 4 (always under f32), else (f16 at an odd element) a
   * kernel copying elements.
   */
  copy(src: GpuBuf, srcOffset: number, dst: GpuBuf, dstOffset: number, bytes: number): void {
    if (bytes <= 0) return;
    if ((srcOffset | dstOffset | bytes) % 4 === 0) {
      this.cmds.push({ kind: 'copy', src, srcOffset, dst, dstOffset, bytes });
      return;
    }
    const fb = this.ctx.floatBytes;
    const n = bytes / fb;
    this.dispatch(copyElems, { n, sOff: srcOffset / fb, dOff: dstOffset / fb }, [src, dst], grid1d(n, 256, this.ctx.maxWorkgroups));
  }

  /**
   * Zeros the first `bytes` of `dst`, rounded up to a multiple of 4 (an odd count of f16: the
   * one past the end is inside the buffer, whose size is a multiple of 4, and unused).
   */
  clear(dst: GpuBuf, bytes: number): void {
    if (bytes > 0) this.cmds.push({ kind: 'clear', dst, bytes: Math.ceil(bytes / 4) * 4 });
  }

  /** Scratch storage released right after submit (contents undefined). */
  temp(bytes: number): GpuBuf {
    const b = this.ctx.storage.acquire(bytes);
    this.temps.push(b);
    return b;
  }

  /** Scratch storage holding `data`, written before this program runs. */
  tempData(data: Int32Array | Uint32Array | Float32Array): GpuBuf {
    const b = this.temp(Math.max(4, data.byteLength));
    if (data.byteLength > 0) this.ctx.device.queue.writeBuffer(b.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  }

  get empty(): boolean {
    return this.cmds.length === 0;
  }

  /** Encodes everything into one command buffer and submits it. */
  submit(): void {
    if (this.cmds.length === 0) {
      this.releaseTemps();
      return;
    }
    const { device, pipelines, uniforms } = this.ctx;
    const ubuf = this.used > 0 ? uniforms.acquire(this.used) : undefined;
    if (ubuf) device.queue.writeBuffer(ubuf.buffer, 0, this.data, 0, Math.ceil(this.used / 4) * 4);
    const enc = device.createCommandEncoder({ label: 'rnnkit' });
    let pass: GPUComputePassEncoder | undefined;
    for (const c of this.cmds) {
      if (c.kind === 'copy' || c.kind === 'clear') {
        pass?.end();
        pass = undefined;
        if (c.kind === 'copy') enc.copyBufferToBuffer(c.src.buffer, c.srcOffset, c.dst.buffer, c.dstOffset, c.bytes);
        else enc.clearBuffer(c.dst.buffer, 0, c.bytes);
        continue;
      }
      if (!pass) pass = enc.beginComputePass();
      pass.setPipeline(pipelines.get(c.def).pipeline);
      pass.setBindGroup(0, pipelines.bindGroup(c.def, ubuf!, c.buffers), [c.offset]);
      pass.dispatchWorkgroups(c.groups[0], c.groups[1], c.groups[2]);
    }
    pass?.end();
    device.queue.submit([enc.finish()]);
    this.ctx.counters.submits++;
    this.ctx.counters.dispatches += this.cmds.reduce((n, c) => n + (c.kind === 'dispatch' ? 1 : 0), 0);
    // Safe to reuse at once: later writes to it reach the queue after this submit.
    if (ubuf) uniforms.release(ubuf);
    this.cmds.length = 0;
    this.used = 0;
    this.releaseTemps();
  }

  private releaseTemps(): void {
    for (const b of this.temps) this.ctx.storage.release(b);
    this.temps.length = 0;
  }
}

/** dst[dOff + i] = src[sOff + i] for i < n, stored floats as they are (the unaligned `Program.copy`). */
const copyElems = kernel({
  key: 'copy_elems',
  params: [
    ['n', 'u32'],
    ['sOff', 'u32'],
    ['dOff', 'u32'],
  ],
  buffers: [
    ['src', 'read', 'f32'],
    ['dst', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = gid.x + gid.y * nw.x * 256u;
  if (i < P.n) { dst[P.dOff + i] = src[P.sOff + i]; }
}`,
});

/** Workgroup grid for `n` items, `perGroup` per workgroup, folding into y past the x limit. */
export function grid1d(n: number, perGroup: number, maxPerDim: number): [number, number] {
  const groups = Math.ceil(n / perGroup);
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}
