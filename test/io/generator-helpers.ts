// What the generator export tests share (ONNX and PyTorch): models whose greedy decoding ends rows at different steps.
import type * as nt from '../../src/index.js';

/**
 * Raises the output layer's eos weights and bias until greedy decoding of `x` ends its rows at different steps, so
 * that stopping at eos, padding after it and (when every row ends early) stopping the loop are exercised: a model
 * with random weights otherwise rarely writes eos at all. Prefers a setting where every row ends before
 * `maxLength`; else one where some rows end and the rows differ. Gives the rows' eos positions (−1: none).
 */
export function tuneEos(
  m: { fc: nt.nn.Linear; eosId: number; generate(x: nt.Tensor, o: { maxLength: number }): nt.Tensor },
  x: nt.Tensor,
  maxLength: number,
): number[] {
  const bias = m.fc.bias;
  if (!bias) throw new Error('tuneEos: the output layer has no bias');
  const base = bias.data[m.eosId];
  const H = m.fc.inFeatures;
  const row = m.fc.weight.data.slice(m.eosId * H, (m.eosId + 1) * H);
  let fallback: [number, number, number[]] | null = null;
  const set = (scale: number, shift: number) => {
    for (let j = 0; j < H; j++) m.fc.weight.data[m.eosId * H + j] = scale * row[j];
    bias.data[m.eosId] = base + shift;
  };
  // a larger eos weight row makes the eos logit vary more from step to step, so some bias ends rows apart
  for (const scale of [1, 3, 6]) {
    for (let shift = -15; shift < 30; shift += 0.05) {
      set(scale, shift);
      const rows = m.generate(x, { maxLength }).toArray() as number[][];
      const ends = rows.map((r) => r.indexOf(m.eosId));
      if (ends.every((e) => e === 0)) break;
      if (new Set(ends).size < 2 || !ends.some((e) => e >= 0)) continue;
      if (ends.every((e) => e >= 0)) return ends;
      fallback ??= [scale, shift, ends];
    }
  }
  if (!fallback) throw new Error('tuneEos: no eos weights made the rows end at different steps');
  set(fallback[0], fallback[1]);
  return fallback[2];
}
