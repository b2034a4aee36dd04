/**
 * Deterministic test trees: mixed files (random, text, zeros, empty, nested) up to a total size,
 * generated from a seed with ChaCha20 (fast, so 100 MiB or 1 GiB costs little), and a comparison
 * of two trees byte for byte.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** `n` pseudo-random bytes from (seed, label). */
export function seededBytes(seed: number, label: string, n: number): Buffer {
  const key = createHash('sha256').update(`${seed}/${label}`).digest();
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(n));
}

/** Writes a mixed tree of about `totalBytes` under `dir`; returns relative path → size. */
export function makeTree(dir: string, totalBytes: number, seed: number): Map<string, number> {
  const out = new Map<string, number>();
  const sizes = seededBytes(seed, 'sizes', 4096);
  let written = 0;
  for (let i = 0; written < totalBytes && i < 4096; i++) {
    const sub = join(dir, `d${i % 5}`, i % 3 === 0 ? `e${i % 7}` : '');
    mkdirSync(sub, { recursive: true });
    const kind = i % 4;
    // Sizes from a few bytes to ~8 MiB, cut to what is left.
    const want = i === 0 ? 0 : ((sizes.readUInt16LE(i % 4000) * 131) % (8 << 20)) + (i % 97);
    const size = Math.min(want, totalBytes - written);
    const name = join(sub, `f${i}.${['bin', 'txt', 'img', 'dat'][kind]}`);
    const data =
      kind === 1
        ? Buffer.from('BitDust keeps your files. '.repeat(Math.ceil(size / 26) + 1)).subarray(
            0,
            size
          )
        : kind === 2
          ? Buffer.alloc(size)
          : seededBytes(seed, name, size);
    writeFileSync(name, data);
    out.set(relative(dir, name), size);
    written += size;
  }
  return out;
}

/** Regular files under `dir`, relative path → absolute path. */
export function listTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const stack = [dir];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) stack.push(p);
      else out.set(relative(dir, p), p);
    }
  }
  return out;
}

/** Paths whose content differs between two trees (missing on either side included). */
export function diffTrees(a: string, b: string): string[] {
  const left = listTree(a);
  const right = listTree(b);
  const bad: string[] = [];
  for (const [rel, p] of left) {
    const q = right.get(rel);
    if (!q || !readFileSync(p).equals(readFileSync(q))) bad.push(rel);
  }
  for (const rel of right.keys()) if (!left.has(rel)) bad.push(rel);
  return bad;
}
