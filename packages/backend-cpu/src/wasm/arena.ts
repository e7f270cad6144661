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
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {
    this.top = base;
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
  /** `bytes` of uninitialized memory, 64-byte aligned (a cache line); grows the memory if needed. */
  alloc(bytes: number): number {
    const p = (this.top + 63) & ~63;
    const end = p + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow with headroom so a sequence of slightly larger calls doesn't grow every time.
      const pages = Math.ceil((Math.max(end, have * 1.25) - have) / 65536);
      this.memory.grow(pages);
    }
    this.top = end;
    return p;
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
