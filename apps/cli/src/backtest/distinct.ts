/**
 * Counts distinct strings in bounded memory: exactly up to `exactLimit`
 * values, then by a HyperLogLog estimate (2^14 registers, about 1% error)
 * that is fed from the start.
 */
export class DistinctCounter {
  private exactValues: Set<string> | null = new Set<string>();
  private readonly registers = new Uint8Array(1 << 14);

  constructor(private readonly exactLimit = 200_000) {}

  add(value: string): void {
    const h = hash32(value);
    const index = h >>> 18;
    const rank = Math.clz32((h << 14) | (1 << 13)) + 1;
    if (rank > (this.registers[index] as number)) this.registers[index] = rank;
    if (this.exactValues !== null) {
      this.exactValues.add(value);
      if (this.exactValues.size > this.exactLimit) this.exactValues = null;
    }
  }

  /** True while the count is exact. */
  get exact(): boolean {
    return this.exactValues !== null;
  }

  get count(): number {
    if (this.exactValues !== null) return this.exactValues.size;
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    return Math.round(raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw);
  }
}

/** FNV-1a over UTF-16 units with murmur3's finaliser for avalanche. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
