/** A GPUBuffer with a stable id (bind-group cache keys) and its allocated size in bytes. */
export interface GpuBuf {
  readonly buffer: GPUBuffer;
  readonly size: number;
  readonly id: number;
}

/** Counts the leak tests watch: buffers held by tensors or in flight, and those parked for reuse. */
export interface GpuBufferStats {
  /** Buffers handed out and not yet released (tensor storage, temporaries, staging). */
  inUse: number;
  /** Released buffers kept on the free lists for reuse. */
  pooled: number;
  /** GPUBuffers that exist now: inUse + pooled. */
  allocated: number;
  /** Bytes of all allocated buffers. */
  allocatedBytes: number;
}

/**
 * Size class of a request: powers of two from 256 bytes to 1 MiB, above that multiples of an
 * eighth of the enclosing power of two (at most 12.5% slack on large tensors).
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 4) * 4);
  const p = 2 ** Math.ceil(Math.log2(b));
  if (p <= 1 << 20) return p;
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

let nextId = 1;

/**
 * Size-bucketed free lists of GPUBuffers with one usage each (storage, uniform, staging).
 * `release` parks a buffer for the next request of its size class; it is safe to reuse at once
 * because all work reaches the device through one queue, in order.
 */
export class BufferPool {
  private readonly free = new Map<number, GpuBuf[]>();
  private readonly held = new Set<GpuBuf>();
  private inUse = 0;
  private pooled = 0;
  private pooledBytes = 0;
  private allocatedBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    private readonly label: string,
    /** Free bytes kept for reuse; beyond this, released buffers are destroyed. */
    private readonly maxPooledBytes: number,
  ) {}

  acquire(bytes: number): GpuBuf {
    const size = sizeClass(bytes);
    // The free list is sorted by id, largest first: the lowest id goes out first, so the same ops
    // from the same free buffers get the same buffers, and the same cached bind groups.
    const list = this.free.get(size);
    const hit = list?.pop();
    this.inUse++;
    if (hit) {
      this.pooled--;
      this.pooledBytes -= size;
      this.held.add(hit);
      return hit;
    }
    const buffer = this.device.createBuffer({ size, usage: this.usage, label: `rnnkit-${this.label}-${size}` });
    this.allocatedBytes += size;
    const buf = { buffer, size, id: nextId++ };
    this.held.add(buf);
    return buf;
  }

  release(buf: GpuBuf): void {
    if (!this.held.delete(buf)) return;
    this.inUse--;
    if (this.pooledBytes + buf.size > this.maxPooledBytes) {
      buf.buffer.destroy();
      this.allocatedBytes -= buf.size;
      return;
    }
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].id > buf.id) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, buf);
    this.pooled++;
    this.pooledBytes += buf.size;
  }

  /** Destroys every parked buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.buffer.destroy();
    this.free.clear();
    this.allocatedBytes -= this.pooledBytes;
    this.pooled = 0;
    this.pooledBytes = 0;
  }

  /** Destroys every buffer, held or parked: the backend is going away. */
  destroyAll(): void {
    this.trim();
    for (const b of this.held) b.buffer.destroy();
    this.held.clear();
    this.inUse = 0;
    this.allocatedBytes = 0;
  }

  stats(): GpuBufferStats {
    return { inUse: this.inUse, pooled: this.pooled, allocated: this.inUse + this.pooled, allocatedBytes: this.allocatedBytes };
  }
}
