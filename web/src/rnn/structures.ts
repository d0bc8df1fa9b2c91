/**
 * The four structures of the lecture drawn as small unrolled diagrams (inputs below, recurrent cells in the
 * middle passing their state to the right, outputs above), each a button that opens its live task.
 */
import { h } from '../common/dom.js';
import type { RnnTaskName, Structure } from './protocol.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Inputs (x), cells and outputs (y) per column; 'enc'/'dec' mark the two halves of the encoder–decoder. */
interface Column {
  x: boolean;
  y: boolean;
  part?: 'enc' | 'dec';
}

const LAYOUTS: Record<Structure, Column[]> = {
  'one-to-many': [
    { x: true, y: true },
    { x: false, y: true },
    { x: false, y: true },
    { x: false, y: true },
  ],
  'many-to-one': [
    { x: true, y: false },
    { x: true, y: false },
    { x: true, y: false },
    { x: true, y: true },
  ],
  'encoder-decoder': [
    { x: true, y: false, part: 'enc' },
    { x: true, y: false, part: 'enc' },
    { x: true, y: false, part: 'enc' },
    { x: false, y: true, part: 'dec' },
    { x: false, y: true, part: 'dec' },
    { x: false, y: true, part: 'dec' },
  ],
  synced: [
    { x: true, y: true },
    { x: true, y: true },
    { x: true, y: true },
    { x: true, y: true },
  ],
};

export interface StructureCard {
  structure: Structure;
  title: string;
  task: RnnTaskName;
  example: string;
}

export const STRUCTURE_CARDS: StructureCard[] = [
  {
    structure: 'one-to-many',
    title: 'One-to-many',
    task: 'speller',
    example: 'a digit → its name, letter by letter',
  },
  {
    structure: 'many-to-one',
    title: 'Many-to-one',
    task: 'rows',
    example: '28 rows of an image → the digit',
  },
  {
    structure: 'encoder-decoder',
    title: 'Encoder–decoder',
    task: 'reverse',
    example: 'digits → reversed or sorted',
  },
  {
    structure: 'synced',
    title: 'Synced many-to-many',
    task: 'spaces',
    example: 'each letter → does a word start here?',
  },
];

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** The diagram of one structure: 150×62 CSS pixels. */
export function structureDiagram(structure: Structure): SVGSVGElement {
  const cols = LAYOUTS[structure];
  const w = 150;
  const hgt = 62;
  const step = w / (cols.length + 0.4);
  const svg = el('svg', { width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, 'aria-hidden': 'true' });
  const box = 12;
  const yTop = 3;
  const yMid = 25;
  const yBot = 47;
  cols.forEach((c, i) => {
    const cx = step * (i + 0.7);
    if (i > 0) {
      svg.append(
        el('line', {
          x1: cx - step + box / 2,
          y1: yMid + box / 2,
          x2: cx - box / 2 - 2,
          y2: yMid + box / 2,
          class: 'sd-arrow',
        }),
      );
    }
    if (c.x) {
      svg.append(el('rect', { x: cx - box / 2, y: yBot, width: box, height: box, rx: 2, class: 'sd-x' }));
      svg.append(el('line', { x1: cx, y1: yBot, x2: cx, y2: yMid + box + 2, class: 'sd-arrow' }));
    }
    svg.append(
      el('rect', {
        x: cx - box / 2,
        y: yMid,
        width: box,
        height: box,
        rx: 3,
        class: c.part === 'dec' ? 'sd-h sd-dec' : 'sd-h',
      }),
    );
    if (c.y) {
      svg.append(el('line', { x1: cx, y1: yMid, x2: cx, y2: yTop + box + 2, class: 'sd-arrow' }));
      svg.append(el('rect', { x: cx - box / 2, y: yTop, width: box, height: box, rx: 2, class: 'sd-y' }));
    }
  });
  return svg;
}

/** The row of four cards; `onPick` gets the task to open. */
export function structureRow(active: Structure, onPick: (task: RnnTaskName) => void): HTMLElement {
  return h(
    'div',
    { class: 'structures', role: 'group', 'aria-label': 'the four structures' },
    ...STRUCTURE_CARDS.map((card) =>
      h(
        'button',
        {
          class: `structure${card.structure === active ? ' on' : ''}`,
          id: `structure-${card.structure}`,
          'aria-pressed': card.structure === active ? 'true' : 'false',
          title: `train the ${card.title.toLowerCase()} task: ${card.example}`,
          onclick: () => onPick(card.task),
        },
        h('span', { class: 'structure-title' }, card.title),
        structureDiagram(card.structure),
        h('span', { class: 'small' }, card.example),
      ),
    ),
  );
}
