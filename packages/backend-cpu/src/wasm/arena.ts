import { limitExceeded } from '@rnnkit/core/backend';

/** What a wasm32 memory can address: 65536 pages of 64 KiB, 4 GiB. */
export const WASM32_MAX_BYTES = 65536 * 65536;
const PAGE = 65536;
/** Every allocation is 64-byte aligned: at most this much padding each. */
const ALIGN = 64;

/** `n` rounded up to a multiple of `to`, in plain double arithmetic (exact below 2^53; 32-bit bit operations go negative past 2^31). */
export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** What a fused recurrent call asks for, named in its LIMIT_EXCEEDED message. */
export interface ArenaRequest {
  readonly cell: string;
  readonly T: number;
  readonly B: number;
  readonly D: number;
  readonly H: number;
  readonly training?: boolean;
}

/**
 * Scratch memory for one kernel call in the module's linear memory: a bump allocator reset at
 * the start of every call. Tensors stay Float32Arrays in JS; a call copies its operands in,
 * runs (a recurrent layer runs its whole sequence in here, no per-step copies), and copies its
 * results out. Copies are O(size) against O(size · H) of work, a few percent at most (measured
 * in the README). The memory grows to the largest call's needs and stays there (WebAssembly
 * memory cannot shrink); `CpuBackend.destroy()` drops it.
 */
export class WasmArena {
  private top: number;
  /** A region [base, end) kept past the next call's start, until a reset evicts it. */
  private held: { owner: object; end: number; evict: () => void } | undefined;
  /** The most bytes the memory may hold (4 GiB for wasm32, less if the module declares a smaller maximum). */
  readonly maxBytes: number;
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
    maxBytes = WASM32_MAX_BYTES,
  ) {
    this.top = base;
    this.maxBytes = maxBytes;
  }
  /** The largest single operand one call can take in: the memory above the arena's base. */
  get maxOperandBytes(): number {
    return Math.floor((this.maxBytes - roundUp(this.base, ALIGN)) / 4) * 4;
  }
  /** Frees everything allocated since the last reset; a held region is evicted first. */
  reset(): void {
    const h = this.held;
    this.held = undefined;
    h?.evict();
    this.top = this.base;
  }
  /**
   * Frees everything allocated since the last reset except a held region, and starts above it:
   * for calls that only read their own operands (GEMMs, elementwise ops), so the loss and a dense
   * head between a training forward and its backward leave the forward's saved buffers in place.
   */
  scratch(): void {
    this.top = this.held ? this.held.end : this.base;
  }
  /**
   * Keeps everything allocated so far for `owner`: the next `reset` calls `evict` (which may
   * still read the region) before reusing it, and until then `resume(owner)` starts a call
   * above it instead. One region at a time; holding another evicts the current one.
   */
  hold(owner: object, evict: () => void): void {
    const h = this.held;
    if (h && h.owner !== owner) {
      this.held = undefined;
      h.evict();
    }
    this.held = { owner, end: this.top, evict };
  }
  /** Whether `owner`'s region is still held. */
  holds(owner: object): boolean {
    return this.held?.owner === owner;
  }
  /** If `owner`'s region is still held: frees everything above it and returns true. */
  resume(owner: object): boolean {
    if (this.held?.owner !== owner) return false;
    this.top = this.held.end;
    return true;
  }
  /** Forgets `owner`'s region without evicting it (its contents are no longer wanted). */
  release(owner: object): void {
    if (this.held?.owner === owner) this.held = undefined;
  }
  /**
   * Whether a call that allocates `sizes` (bytes each, in order) fits, starting at the base
   * (`fresh`: the call resets) or above the held region (a scratch call); grows the memory to
   * hold it. False when wasm32 can't address it or the engine can't grow that far (out of memory).
   */
  fits(sizes: readonly number[], fresh: boolean): boolean {
    let end = fresh ? this.base : this.held ? this.held.end : this.base;
    for (const b of sizes) end = roundUp(end, ALIGN) + b;
    if (!(end <= this.maxBytes)) return false;
    try {
      this.ensure(end);
      return true;
    } catch {
      return false;
    }
  }
  /**
   * Refuses, before anything is copied in, a call whose working set (`sizes`, bytes each, in
   * allocation order) the arena can't hold: LIMIT_EXCEEDED naming `op` and the request.
   * The arena is unchanged and the backend stays usable.
   */
  reserve(op: string, argument: string, sizes: readonly number[], fresh: boolean, request: ArenaRequest): void {
    if (this.fits(sizes, fresh)) return;
    // Formatted only here, on failure: this runs on every recurrent call.
    const detail = `${request.cell}, T=${request.T}, B=${request.B}, D=${request.D}, H=${request.H}${request.training ? ', training' : ''}`;
    let total = 0;
    for (const b of sizes) total += roundUp(b, ALIGN);
    const start = fresh ? this.base : this.held ? this.held.end : this.base;
    const free = this.maxBytes - roundUp(start, ALIGN);
    const why = total <= free ? 'the engine could not grow its WebAssembly memory that far (out of memory)' : 'wasm32 addresses at most 4 GiB';
    limitExceeded(
      `${op}: ${argument}`,
      'wasmMemoryBytes',
      free,
      "bytes of the cpu backend's WebAssembly kernel memory",
      total,
      `${detail}; ${why}. The plain TypeScript engine (createCpuBackend({ simd: false })) has no such bound, or split the batch`,
    );
  }
  /** `bytes` of uninitialized memory, 64-byte aligned (a cache line); grows the memory if needed. */
  alloc(bytes: number): number {
    const p = roundUp(this.top, ALIGN);
    const end = p + bytes;
    if (end > this.memory.buffer.byteLength) this.ensure(end);
    this.top = end;
    return p;
  }
  /** Grows the memory to at least `end` bytes, with headroom; LIMIT_EXCEEDED where it can't. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) {
      limitExceeded('alloc', 'wasmMemoryBytes', this.maxBytes, "bytes of the cpu backend's WebAssembly kernel memory", end, 'wasm32 addresses at most 4 GiB');
    }
    // Grow with headroom so a sequence of slightly larger calls doesn't grow every time.
    const want = Math.min(Math.max(end, have * 1.25), this.maxBytes);
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE));
    } catch {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE)); // without the headroom
      } catch (e) {
        limitExceeded(
          'alloc',
          'wasmMemoryBytes',
          have,
          "bytes of the cpu backend's WebAssembly kernel memory",
          end,
          `the engine could not grow its memory that far (${e instanceof Error ? e.message : String(e)})`,
        );
      }
    }
  }
  /** `bytes` of zeros. */
  zeros(bytes: number): number {
    const p = this.alloc(bytes);
    new Uint8Array(this.memory.buffer, p, bytes).fill(0);
    return p;
  }
  /** A copy of `src` in the arena. */
  put(src: Float32Array): number {
    const p = this.alloc(src.length * 4);
    this.f32(p, src.length).set(src);
    return p;
  }
  /** A copy of raw bytes (the int8 kernels' packed weights). */
  putBytes(src: Uint8Array): number {
    const p = this.alloc(src.length);
    new Uint8Array(this.memory.buffer, p, src.length).set(src);
    return p;
  }
  putI32(src: Int32Array): number {
    const p = this.alloc(src.length * 4);
    new Int32Array(this.memory.buffer, p, src.length).set(src);
    return p;
  }
  /** A view of n floats at p. Make views after the call's last alloc: growing detaches them. */
  f32(p: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, p, n);
  }
  /** A JS-owned copy of n floats at p. */
  take(p: number, n: number): Float32Array {
    return this.f32(p, n).slice();
  }
  /** Bytes the memory holds now. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }
}
