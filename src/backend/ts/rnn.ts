/**
 * Fused LSTM and GRU cell kernels: the elementwise part of one recurrent step (activations, state update)
 * and its gradient in one pass over the rows. The matrix products around them stay GEMMs.
 */

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

export function lstmCell(
  gates: Float32Array,
  c: Float32Array,
  batch: number,
  hidden: number,
  h: Float32Array,
  cNext: Float32Array,
  act: Float32Array,
): void {
  const h4 = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const gRow = b * h4;
    const sRow = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const gi = gRow + j;
      // rounded to float32 as stored, so the state update uses exactly what the backward reads back
      const i = Math.fround(sigmoid(gates[gi]));
      const f = Math.fround(sigmoid(gates[gi + hidden]));
      const g = Math.fround(Math.tanh(gates[gi + 2 * hidden]));
      const o = Math.fround(sigmoid(gates[gi + 3 * hidden]));
      act[gi] = i;
      act[gi + hidden] = f;
      act[gi + 2 * hidden] = g;
      act[gi + 3 * hidden] = o;
      const cn = Math.fround(f * c[sRow + j] + i * g);
      cNext[sRow + j] = cn;
      h[sRow + j] = o * Math.tanh(cn);
    }
  }
}

export function lstmCellBackward(
  act: Float32Array,
  c: Float32Array,
  cNext: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  batch: number,
  hidden: number,
  dGates: Float32Array,
  dcPrev: Float32Array,
): void {
  const h4 = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const gRow = b * h4;
    const sRow = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const gi = gRow + j;
      const s = sRow + j;
      const i = act[gi];
      const f = act[gi + hidden];
      const g = act[gi + 2 * hidden];
      const o = act[gi + 3 * hidden];
      const tc = Math.tanh(cNext[s]);
      const dcTotal = dc[s] + dh[s] * o * (1 - tc * tc);
      dGates[gi] = dcTotal * g * i * (1 - i);
      dGates[gi + hidden] = dcTotal * c[s] * f * (1 - f);
      dGates[gi + 2 * hidden] = dcTotal * i * (1 - g * g);
      dGates[gi + 3 * hidden] = dh[s] * tc * o * (1 - o);
      dcPrev[s] = dcTotal * f;
    }
  }
}

export function gruCell(
  xProj: Float32Array,
  hProj: Float32Array,
  h: Float32Array,
  batch: number,
  hidden: number,
  hNext: Float32Array,
  act: Float32Array,
): void {
  const h3 = 3 * hidden;
  for (let b = 0; b < batch; b++) {
    const gRow = b * h3;
    const sRow = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const gi = gRow + j;
      const r = Math.fround(sigmoid(xProj[gi] + hProj[gi]));
      const z = Math.fround(sigmoid(xProj[gi + hidden] + hProj[gi + hidden]));
      const n = Math.fround(Math.tanh(xProj[gi + 2 * hidden] + r * hProj[gi + 2 * hidden]));
      act[gi] = r;
      act[gi + hidden] = z;
      act[gi + 2 * hidden] = n;
      hNext[sRow + j] = n + z * (h[sRow + j] - n);
    }
  }
}

export function gruCellBackward(
  act: Float32Array,
  hProj: Float32Array,
  h: Float32Array,
  dh: Float32Array,
  batch: number,
  hidden: number,
  dxProj: Float32Array,
  dhProj: Float32Array,
  dhPrev: Float32Array,
): void {
  const h3 = 3 * hidden;
  for (let b = 0; b < batch; b++) {
    const gRow = b * h3;
    const sRow = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const gi = gRow + j;
      const s = sRow + j;
      const r = act[gi];
      const z = act[gi + hidden];
      const n = act[gi + 2 * hidden];
      const g = dh[s];
      const dN = g * (1 - z) * (1 - n * n);
      const dR = dN * hProj[gi + 2 * hidden] * r * (1 - r);
      const dZ = g * (h[s] - n) * z * (1 - z);
      dxProj[gi] = dR;
      dxProj[gi + hidden] = dZ;
      dxProj[gi + 2 * hidden] = dN;
      dhProj[gi] = dR;
      dhProj[gi + hidden] = dZ;
      dhProj[gi + 2 * hidden] = dN * r;
      dhPrev[s] = g * z;
    }
  }
}
