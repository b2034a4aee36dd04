/**
 * Loads the .wasm: picks the relaxed-SIMD twin when the runtime validates relaxed SIMD (Node 22+,
 * or Node 20 with --experimental-wasm-relaxed-simd), else the SIMD128 build. Each loaded module
 * has its own linear memory and a small first-fit allocator for the regions codecs place there.
 */
import { readFileSync } from 'node:fs';
import { ABI_VERSION, type RawExports } from './abi.js';
import { ErasureError } from './errors.js';

const PAGE = 65536;
const ALIGN = 64; // cache line: shards never share one

// (module (func (result v128) v128.const 0 v128.const 0 <op>)) with op = swizzle or relaxed_swizzle.
function probe(op: number[]): Uint8Array<ArrayBuffer> {
  const v128Zero = [253, 12, ...new Array<number>(16).fill(0)];
  const body = [0, ...v128Zero, ...v128Zero, 253, ...op, 11];
  const code = [1, body.length, ...body];
  const head = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0];
  return new Uint8Array([...head, 10, code.length, ...code]);
}

/** True when the runtime supports WebAssembly SIMD128. */
export const hasSimd = (): boolean => WebAssembly.validate(probe([14]));
/** True when the runtime supports relaxed SIMD (i8x16.relaxed_swizzle, opcode 0xFD 0x100). */
export const hasRelaxedSimd = (): boolean => WebAssembly.validate(probe([128, 2]));

/** A loaded instance: its exports, which build it runs, and its allocator. */
export class ErasureModule {
  readonly exports: RawExports;
  readonly relaxed: boolean;
  /** Bumped whenever memory grows: every `Uint8Array` view taken before is detached then. */
  generation = 0;
  private free: { at: number; size: number }[] = [];
  private top: number;

  constructor(opts: { relaxed?: boolean } = {}) {
    if (!hasSimd()) {
      throw new ErasureError('ERR_ERASURE_UNSUPPORTED', 'this runtime lacks WebAssembly SIMD128');
    }
    const relaxed = opts.relaxed ?? hasRelaxedSimd();
    if (relaxed && !hasRelaxedSimd()) {
      throw new ErasureError('ERR_ERASURE_UNSUPPORTED', 'this runtime lacks relaxed SIMD');
    }
    const file = relaxed ? 'bitdust_erasure_relaxed_bg.wasm' : 'bitdust_erasure_bg.wasm';
    const bytes = readFileSync(new URL(`./${file}`, import.meta.url));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    this.exports = instance.exports as unknown as RawExports;
    this.relaxed = relaxed;
    if (this.exports.bd_rs_abi_version() !== ABI_VERSION) {
      throw new ErasureError('ERR_ERASURE_UNSUPPORTED', `${file} speaks another ABI revision`);
    }
    this.top = roundUp(this.exports.bd_rs_heap_base());
  }

  /** The linear memory's current buffer (replaced, and the old one detached, on growth). */
  get buffer(): ArrayBuffer {
    return this.exports.memory.buffer;
  }

  /** Reserves `size` bytes (64-byte aligned), growing memory if needed. */
  alloc(size: number): number {
    size = roundUp(Math.max(size, 1));
    const i = this.free.findIndex((b) => b.size >= size);
    if (i >= 0) {
      const block = this.free[i]!;
      const at = block.at;
      if (block.size === size) this.free.splice(i, 1);
      else this.free[i] = { at: at + size, size: block.size - size };
      return at;
    }
    const at = this.top;
    const need = at + size - this.buffer.byteLength;
    if (need > 0) {
      try {
        this.exports.memory.grow(Math.ceil(need / PAGE));
      } catch (cause) {
        throw new ErasureError('ERR_ERASURE_OUT_OF_MEMORY', `cannot grow memory by ${need} bytes`, {
          cause
        });
      }
      this.generation++;
    }
    this.top = at + size;
    return at;
  }

  /** Returns a region from `alloc`; neighbours merge so freed stripes are reused whole. */
  release(at: number, size: number): void {
    size = roundUp(Math.max(size, 1));
    this.free.push({ at, size });
    this.free.sort((a, b) => a.at - b.at);
    const merged: { at: number; size: number }[] = [];
    for (const b of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.at + last.size === b.at) last.size += b.size;
      else merged.push({ ...b });
    }
    const tail = merged[merged.length - 1];
    if (tail && tail.at + tail.size === this.top) {
      this.top = tail.at;
      merged.pop();
    }
    this.free = merged;
  }
}

function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

let shared: ErasureModule | undefined;

/** The process-wide (per thread) module, loaded on first use. */
export function defaultModule(): ErasureModule {
  shared ??= new ErasureModule();
  return shared;
}
