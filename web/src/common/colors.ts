/**
 * The studio's colours, one set for every page: the Okabe–Ito palette for classes (colour-blind safe), viridis
 * for magnitudes, and a diverging orange–neutral–blue map centred on 0 for signed values (decision boundaries,
 * weights), whose two ends are the first two class colours.
 */

/** Class colours (Okabe & Ito, 2008): class 0 orange, class 1 sky blue, then green, purple, yellow. */
export const CLASS_COLORS = ['#e69f00', '#56b4e9', '#009e73', '#cc79a7', '#f0e442'] as const;
/** Train and test curves, everywhere. */
export const TRAIN_COLOR = '#0072b2';
export const TEST_COLOR = '#d55e00';
/** Reference lines on curves (a baseline to beat): a grey that reads on light and dark backgrounds. */
export const REFERENCE_COLOR = '#8c8c8c';

type RGB = [number, number, number];

function hex(c: string): RGB {
  const v = Number.parseInt(c.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export const CLASS_RGB: RGB[] = CLASS_COLORS.map(hex);

// viridis sampled at nine evenly spaced points (matplotlib's published values)
const VIRIDIS: RGB[] = [
  '#440154',
  '#472d7b',
  '#3b528b',
  '#2c728e',
  '#21918c',
  '#28ae80',
  '#5ec962',
  '#addc30',
  '#fde725',
].map(hex);

function lerpStops(stops: RGB[], t: number): RGB {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Viridis at t in [0, 1]. */
export function viridis(t: number): RGB {
  return lerpStops(VIRIDIS, t);
}

const NEUTRAL: RGB = [232, 234, 237];

/** The diverging map at v in [−1, 1]: −1 class-0 orange, 0 neutral grey, +1 class-1 blue. */
export function diverging(v: number): RGB {
  const t = Math.min(1, Math.max(-1, v));
  const end = t < 0 ? CLASS_RGB[0] : CLASS_RGB[1];
  const a = Math.abs(t);
  return [
    NEUTRAL[0] + (end[0] - NEUTRAL[0]) * a,
    NEUTRAL[1] + (end[1] - NEUTRAL[1]) * a,
    NEUTRAL[2] + (end[2] - NEUTRAL[2]) * a,
  ];
}

/** A CSS colour for a diverging value (weights on links). */
export function divergingCss(v: number, alpha = 1): string {
  const [r, g, b] = diverging(v);
  return `rgba(${r | 0},${g | 0},${b | 0},${alpha})`;
}
