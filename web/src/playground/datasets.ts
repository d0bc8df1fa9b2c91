/**
 * The playground's 2-D data: TensorFlow Playground's six sets (circle, xor, gaussian, spiral; plane and
 * multi-gaussian for regression) plus multi-class blobs and spirals, all drawn from neurite's seeded generator
 * in the square [−6, 6]², your own points, and CSV files of two numeric columns and a label.
 */
import * as nt from 'neurite/browser';
import { isRegression, type PlaygroundSettings } from './settings.js';

/** One point: its coordinates and its class index (classification) or target value in [−1, 1] (regression). */
export interface Point {
  x: number;
  y: number;
  label: number;
}

export const DOMAIN = 6;
const N_CLASSIFY = 500;
const N_REGRESS = 600;

/** The points of a built-in set, the same for the same settings and seed. */
export function generate(s: PlaygroundSettings): Point[] {
  const g = new nt.Generator(s.seed);
  const noise = s.noise / 100;
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * g.random();
  const out: Point[] = [];
  switch (s.dataset) {
    case 'circle': {
      const r = 5;
      const add = (rmin: number, rmax: number, label: number) => {
        for (let i = 0; i < N_CLASSIFY / 2; i++) {
          const rho = uniform(rmin, rmax);
          const angle = uniform(0, 2 * Math.PI);
          out.push({
            x: rho * Math.sin(angle) + uniform(-r, r) * noise,
            y: rho * Math.cos(angle) + uniform(-r, r) * noise,
            label,
          });
        }
      };
      add(0, r * 0.5, 1);
      add(r * 0.7, r, 0);
      break;
    }
    case 'xor': {
      const pad = 0.3;
      for (let i = 0; i < N_CLASSIFY; i++) {
        let x = uniform(-5, 5);
        x += x > 0 ? pad : -pad;
        let y = uniform(-5, 5);
        y += y > 0 ? pad : -pad;
        const label = x * y >= 0 ? 1 : 0;
        out.push({ x: x + uniform(-5, 5) * noise, y: y + uniform(-5, 5) * noise, label });
      }
      break;
    }
    case 'gaussian': {
      const spread = 0.5 + 3.5 * noise * 2;
      for (const [cx, label] of [
        [2, 1],
        [-2, 0],
      ] as const) {
        for (let i = 0; i < N_CLASSIFY / 2; i++) {
          out.push({ x: cx + g.normal() * spread ** 0.5, y: cx + g.normal() * spread ** 0.5, label });
        }
      }
      break;
    }
    case 'spiral': {
      const k = s.classes;
      const per = Math.floor(N_CLASSIFY / k);
      for (let c = 0; c < k; c++) {
        const delta = (2 * Math.PI * c) / k;
        for (let i = 0; i < per; i++) {
          const r = (i / per) * 5;
          const t = (1.75 * i * 2 * Math.PI) / per + delta;
          out.push({
            x: r * Math.sin(t) + uniform(-1, 1) * noise,
            y: r * Math.cos(t) + uniform(-1, 1) * noise,
            label: c,
          });
        }
      }
      break;
    }
    case 'blobs': {
      const k = s.classes;
      const per = Math.floor(N_CLASSIFY / k);
      const spread = 0.8 + 4 * noise;
      for (let c = 0; c < k; c++) {
        const angle = (2 * Math.PI * c) / k + Math.PI / 2;
        const cx = 3.5 * Math.cos(angle);
        const cy = 3.5 * Math.sin(angle);
        for (let i = 0; i < per; i++)
          out.push({ x: cx + g.normal() * spread, y: cy + g.normal() * spread, label: c });
      }
      break;
    }
    case 'plane': {
      for (let i = 0; i < N_REGRESS; i++) {
        const x = uniform(-DOMAIN, DOMAIN);
        const y = uniform(-DOMAIN, DOMAIN);
        const label = (x + y) / (2 * DOMAIN);
        out.push({ x: x + uniform(-DOMAIN, DOMAIN) * noise, y: y + uniform(-DOMAIN, DOMAIN) * noise, label });
      }
      break;
    }
    case 'multigauss': {
      const bumps = [
        [-4, 2.5, 1],
        [0, 2.5, -1],
        [4, 2.5, 1],
        [-4, -2.5, -1],
        [0, -2.5, 1],
        [4, -2.5, -1],
      ];
      for (let i = 0; i < N_REGRESS; i++) {
        const x = uniform(-DOMAIN, DOMAIN);
        const y = uniform(-DOMAIN, DOMAIN);
        let label = 0;
        for (const [cx, cy, sign] of bumps) {
          const v = sign * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 1.6 ** 2));
          if (Math.abs(v) > Math.abs(label)) label = v;
        }
        out.push({ x: x + uniform(-DOMAIN, DOMAIN) * noise, y: y + uniform(-DOMAIN, DOMAIN) * noise, label });
      }
      break;
    }
    case 'custom':
      break;
  }
  return out;
}

/** Splits points into train and test sets by a seeded shuffle (the first trainRatio % train). */
export function split(points: readonly Point[], s: PlaygroundSettings): { train: Point[]; test: Point[] } {
  const g = new nt.Generator(s.seed + 7919);
  const order = points.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTrain = Math.max(1, Math.round((points.length * s.trainRatio) / 100));
  return {
    train: order.slice(0, nTrain).map((i) => points[i]),
    test: order.slice(nTrain).map((i) => points[i]),
  };
}

/** A CSV read for the playground: the points, scaled into the square, and the class names. */
export interface CsvPoints {
  points: Point[];
  classNames: string[];
}

/**
 * Reads a CSV of two numeric columns and a class label (header optional), with neurite's CSV reader. Both
 * coordinates are scaled together into [−5, 5] so the shape of the data is kept. Throws an Error whose message
 * is meant for the page.
 */
export function pointsFromCsv(text: string, fileName: string): CsvPoints {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const firstField = firstLine.split(/[,;\t]/)[0]?.trim() ?? '';
  const header = firstField !== '' && !Number.isFinite(Number(firstField));
  const delimiter =
    firstLine.includes(';') && !firstLine.includes(',') ? ';' : firstLine.includes('\t') ? '\t' : ',';
  let table: nt.data.CsvData;
  try {
    table = nt.data.parseCsv(text, { header, delimiter, target: 2, categorical: [2], source: fileName });
  } catch (e) {
    throw new Error(cleanMessage((e as Error).message));
  }
  const columns = table.columnNames.length;
  if (columns !== 3) {
    throw new Error(
      `${fileName} has ${columns} column${columns === 1 ? '' : 's'}; the playground needs exactly three: x, y and a class label`,
    );
  }
  if (table.featureNames.length !== 2 || table.featureNames.some((f, i) => f !== table.columnNames[i])) {
    throw new Error(
      `${fileName}: the first two columns (${table.columnNames.slice(0, 2).join(', ')}) must hold numbers only`,
    );
  }
  const classNames = table.targetNames ?? [];
  if (classNames.length < 2 || classNames.length > 5) {
    throw new Error(
      `${fileName}: the label column has ${classNames.length} class${classNames.length === 1 ? '' : 'es'}; the playground takes 2 to 5`,
    );
  }
  const n = table.x.shape[0];
  if (n < 4) throw new Error(`${fileName}: only ${n} rows; give at least 4 points`);
  const xs = table.x.data as Float32Array;
  const ys = table.y!.data as Int32Array;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of xs) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const mid = [0, 1].map((c) => {
    let a = Number.POSITIVE_INFINITY;
    let b = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      a = Math.min(a, xs[2 * i + c]);
      b = Math.max(b, xs[2 * i + c]);
    }
    return (a + b) / 2;
  });
  const halfRange = Math.max(
    ...[0, 1].map((c) => {
      let m = 0;
      for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(xs[2 * i + c] - mid[c]));
      return m;
    }),
  );
  const scale = halfRange > 0 ? 5 / halfRange : 1;
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    points.push({ x: (xs[2 * i] - mid[0]) * scale, y: (xs[2 * i + 1] - mid[1]) * scale, label: ys[i] });
  }
  return { points, classNames };
}

/** neurite's CSV messages, said for the playground: the file, the line, and what the page needs instead. */
function cleanMessage(message: string): string {
  const text = message.replace(/^parseCsv: /, '');
  const notNumber = /^(.*?): line (\d+), column "(.*?)" \(\d+\): (".*") is not a number/.exec(text);
  if (notNumber) {
    const [, file, line, column, value] = notNumber;
    return `${file}, line ${line}: ${value} in column "${column}" is not a number; the first two columns must hold numbers (x and y), the third the class label`;
  }
  return text;
}

/** Custom points as a short URL value: `x,y,class;…`, coordinates to one decimal. */
export function pointsToParam(points: readonly Point[]): string {
  return points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)},${p.label}`).join(';');
}

export function pointsFromParam(value: string | null): Point[] {
  if (!value) return [];
  const out: Point[] = [];
  for (const part of value.split(';')) {
    const [x, y, c] = part.split(',').map(Number);
    if ([x, y, c].every(Number.isFinite) && c >= 0 && c < 5 && Number.isInteger(c)) {
      out.push({
        x: Math.max(-DOMAIN, Math.min(DOMAIN, x)),
        y: Math.max(-DOMAIN, Math.min(DOMAIN, y)),
        label: c,
      });
    }
  }
  return out;
}

export { isRegression };
