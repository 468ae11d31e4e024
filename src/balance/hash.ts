/**
 * Hashing for the consistent-hashing balancers: MurmurHash3 (x86, 32-bit; Austin Appleby, public
 * domain) over a string's UTF-16 code units, i.e. over its UTF-16LE bytes, without encoding it
 * first. Fast, well mixed, and the same on every platform.
 */

/** MurmurHash3's finalizer: an avalanching bijection on 32-bit integers. Returns an unsigned int. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3_x86_32 of `text`'s UTF-16LE bytes with `seed`, as an unsigned 32-bit integer. */
export function hashString(text: string, seed = 0): number {
  let h = seed | 0;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  return fmix32(h ^ (n * 2));
}
