/**
 * torch.einsum over any number of operands. Each operand first takes the diagonal of a repeated label and sums
 * the labels no one else needs; operands are then joined left to right, each pair as one batched matmul
 * (shared labels still needed later are the batch, shared labels needed no more are contracted); the result is
 * permuted to the output's order. Every step is a differentiable op, so the gradient comes with it.
 */
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { diagonal } from './layout.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { expand, permute, reshape } from './shape.js';
import { checkArg, defineOp } from './util.js';

interface Term {
  t: Tensor;
  labels: string[];
}

/** Ellipsis axes get labels no letter can clash with. */
const ELLIPSIS_LABEL = (i: number) => String.fromCharCode(0x100 + i);

function parseTerm(spec: string, t: Tensor, which: number, ellipsisRank: { n: number | null }): string[] {
  const parts = spec.split('...');
  if (parts.length > 2) throw new ValueError(`einsum: operand ${which} has more than one '...' in '${spec}'`);
  for (const ch of parts.join('')) {
    if (!/[a-zA-Z]/.test(ch)) {
      throw new ValueError(`einsum: '${ch}' in '${spec}' is not a letter (subscripts are letters a-z, A-Z)`);
    }
  }
  const named = parts.join('').length;
  if (parts.length === 1) {
    if (named !== t.ndim) {
      throw new ShapeError(
        `einsum: subscripts '${spec}' name ${named} axes, but operand ${which} has shape ${fmtShape(t.shape)}`,
      );
    }
    return [...spec];
  }
  const k = t.ndim - named;
  if (k < 0) {
    throw new ShapeError(
      `einsum: subscripts '${spec}' name ${named} axes, but operand ${which} has shape ${fmtShape(t.shape)}`,
    );
  }
  ellipsisRank.n = Math.max(ellipsisRank.n ?? 0, k);
  // ellipsis axes are aligned from the right, as broadcasting does
  const ell = Array.from({ length: k }, (_, i) => ELLIPSIS_LABEL(64 - k + i));
  return [...parts[0], ...ell, ...parts[1]];
}

/** Sums out the labels of `term` that are not in `keep`. */
function sumUnneeded(term: Term, keep: Set<string>): Term {
  const axes = term.labels.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (axes.length === 0) return term;
  return { t: sum(term.t, axes), labels: term.labels.filter((l) => keep.has(l)) };
}

/** One batched matmul: [batch, aOnly, shared] × [batch, shared, bOnly]. */
function contract(A: Term, B: Term, keep: Set<string>, size: Map<string, number>): Term {
  const inB = new Set(B.labels);
  const inA = new Set(A.labels);
  const batch = A.labels.filter((l) => inB.has(l) && keep.has(l));
  const shared = A.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aOnly = A.labels.filter((l) => !inB.has(l));
  const bOnly = B.labels.filter((l) => !inA.has(l));
  const prod = (ls: string[]) => ls.reduce((p, l) => p * (size.get(l) as number), 1);
  const at = (term: Term, ls: string[]) => ls.map((l) => term.labels.indexOf(l));
  const a = reshape(permute(A.t, at(A, [...batch, ...aOnly, ...shared])), [
    prod(batch),
    prod(aOnly),
    prod(shared),
  ]);
  const b = reshape(permute(B.t, at(B, [...batch, ...shared, ...bOnly])), [
    prod(batch),
    prod(shared),
    prod(bOnly),
  ]);
  const labels = [...batch, ...aOnly, ...bOnly];
  return {
    t: reshape(
      matmul(a, b),
      labels.map((l) => size.get(l) as number),
    ),
    labels,
  };
}

/**
 * Einstein summation (torch.einsum): `einsum('ij,jk->ik', [a, b])` is a matmul, 'bij,bjk->bik' a batched one,
 * 'i,j->ij' an outer product, 'ii->' a trace, 'ij->ji' a transpose, 'ij->i' a row sum, and '...' stands for
 * broadcast leading axes. Without '->' the output holds the labels used once, in alphabetical order. The
 * operands come as an array, as concat takes them.
 */
export const einsum = defineOp(
  'einsum',
  ['equation', 'operands'],
  (equation: string, operands: readonly Tensor[]): Tensor => {
    checkArg('einsum', 'equation', equation, 'string');
    checkArg('einsum', 'operands', operands, {
      test: (v) => Array.isArray(v) && v.length > 0 && v.every((t) => t instanceof Tensor),
      expected: "a non-empty array of tensors (einsum('ij,jk->ik', [a, b]))",
    });
    if (equation === undefined || operands === undefined) {
      throw new ValueError(
        "einsum: expected an equation and an array of tensors, as einsum('ij,jk->ik', [a, b])",
      );
    }
    for (const [i, t] of operands.entries()) {
      if (t.dtype !== 'float32') {
        throw new DTypeError(
          `einsum: operand ${i} must be float32 (as matmul), got ${t.dtype}; convert it with .float()`,
        );
      }
    }
    const eq = equation.replace(/\s+/g, '');
    const arrow = eq.split('->');
    if (arrow.length > 2) throw new ValueError(`einsum: more than one '->' in '${equation}'`);
    const specs = arrow[0].split(',');
    if (specs.length !== operands.length) {
      throw new ValueError(
        `einsum: '${equation}' has ${specs.length} operand subscripts, but ${operands.length} tensors were given`,
      );
    }
    const ell = { n: null as number | null };
    let terms: Term[] = specs.map((s, i) => ({ t: operands[i], labels: parseTerm(s, operands[i], i, ell) }));
    const ellLabels =
      ell.n === null
        ? []
        : Array.from({ length: ell.n }, (_, i) => ELLIPSIS_LABEL(64 - (ell.n as number) + i));

    // the output labels: given, or those used once (alphabetical), after the ellipsis axes
    let out: string[];
    if (arrow.length === 2) {
      const spec = arrow[1];
      if (spec.includes('...') && ell.n === null) {
        throw new ValueError(`einsum: the output of '${equation}' has '...' but no operand does`);
      }
      const [before, after] = spec.includes('...') ? spec.split('...') : [spec, ''];
      for (const ch of before + after) {
        if (!/[a-zA-Z]/.test(ch)) throw new ValueError(`einsum: '${ch}' in output '${spec}' is not a letter`);
      }
      out = spec.includes('...') ? [...before, ...ellLabels, ...after] : [...before];
      const seen = new Set<string>();
      for (const l of out) {
        if (seen.has(l)) throw new ValueError(`einsum: output label '${l}' appears twice in '${equation}'`);
        seen.add(l);
        if (!terms.some((t) => t.labels.includes(l))) {
          throw new ValueError(`einsum: output label '${l}' of '${equation}' is in no operand`);
        }
      }
    } else {
      const counts = new Map<string, number>();
      for (const t of terms) for (const l of t.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
      const once = [...counts.keys()].filter((l) => counts.get(l) === 1 && !ellLabels.includes(l)).sort();
      out = [...ellLabels, ...once];
    }

    // label sizes: equal, or 1 where broadcast (ellipsis axes)
    const size = new Map<string, number>();
    for (const [i, term] of terms.entries()) {
      for (const [ax, l] of term.labels.entries()) {
        const d = term.t.shape[ax];
        const prev = size.get(l);
        if (prev === undefined || prev === 1) size.set(l, d);
        else if (d !== prev && d !== 1) {
          throw new ShapeError(
            `einsum: label '${l.charCodeAt(0) >= 0x100 ? '...' : l}' has size ${prev} elsewhere but ${d} on axis ${ax} of operand ${i} (shape ${fmtShape(term.t.shape)})`,
          );
        }
      }
    }
    terms = terms.map((term) => {
      // broadcast size-1 axes, then take the diagonal of each repeated label
      const target = term.labels.map((l) => size.get(l) as number);
      let t = target.some((d, ax) => d !== term.t.shape[ax]) ? expand(term.t, target) : term.t;
      let labels = [...term.labels];
      for (;;) {
        const dup = labels.findIndex((l, i) => labels.indexOf(l) !== i);
        if (dup < 0) break;
        const first = labels.indexOf(labels[dup]);
        t = diagonal(t, 0, first, dup);
        const l = labels[dup];
        labels = [...labels.filter((_, i) => i !== first && i !== dup), l];
      }
      return { t, labels };
    });

    const outSet = new Set(out);
    const needed = (from: number) => {
      const keep = new Set(outSet);
      for (let k = from; k < terms.length; k++) for (const l of terms[k].labels) keep.add(l);
      return keep;
    };
    let acc = sumUnneeded(terms[0], needed(1));
    for (let k = 1; k < terms.length; k++) {
      const keep = needed(k + 1);
      const next = sumUnneeded(terms[k], new Set([...keep, ...acc.labels]));
      acc = sumUnneeded(acc, new Set([...keep, ...next.labels]));
      acc = contract(acc, next, keep, size);
    }
    acc = sumUnneeded(acc, outSet);
    return permute(
      acc.t,
      out.map((l) => acc.labels.indexOf(l)),
    );
  },
);
