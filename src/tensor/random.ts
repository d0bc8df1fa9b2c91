import { ValueError } from '../errors.js';

/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). Every random draw in neurite
 * comes from one of these, so the same seed gives the same numbers on every backend and platform.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new ValueError(`manualSeed: seed must be a finite number, got ${seed}`);
    const whole = Math.floor(seed);
    const high = Math.floor(whole / 2 ** 32);
    let x = whole >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if (high !== 0) {
      // fold the high word in separately (a plain xor made -1 collide with 0, and 2^32 with 1); seeds in
      // [0, 2^32) keep the state they always had
      x = (high | 0) ^ 0x5bd1e995;
      this.s0 ^= next();
      this.s1 ^= next();
      this.s2 ^= next();
      this.s3 ^= next();
    }
    this.spareNormal = null;
    return this;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  /** The internal state, for checkpoints. */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spareNormal ?? Number.NaN];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new ValueError('Generator.setState: expected 5 numbers');
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v | 0);
    this.spareNormal = Number.isNaN(state[4]) ? null : state[4];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator that random functions use when none is passed. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
