/** The pieces of a page's controls bar that every page builds the same way. */

import { h, select } from './dom.js';
import { type IconName, setIcon } from './icons.js';

/** A labelled control: the label's text, then the control, in one `.field`. */
export function field(label: string, control: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

/** A transport button shown as an icon (reset, step); `label` is read out, `title` is its tooltip. */
export function iconButton(
  id: string,
  icon: IconName,
  label: string,
  onclick: () => void,
  title = label,
): HTMLButtonElement {
  const button = h('button', { id, 'aria-label': label, title, onclick });
  setIcon(button, icon);
  return button;
}

/** Shows the play button as what a click does next: pause while training, train while paused. */
export function showPlaying(button: HTMLElement, on: boolean): void {
  setIcon(button, on ? 'pause' : 'play');
  button.setAttribute('aria-label', on ? 'pause' : 'play');
  button.title = on ? 'pause' : 'train';
}

/** The seed box (`#seed`): a whole number ≥ 0; what is not one reads as 0. */
export function seedInput(value: number, onchange: (seed: number) => void): HTMLInputElement {
  const seed = h('input', { id: 'seed', type: 'number', min: 0, step: 1, value: String(value) });
  seed.addEventListener('change', () => onchange(Math.max(0, Math.floor(Number(seed.value) || 0))));
  return seed;
}

/** A <select> of numbers, each shown as `label(v)` (the number itself unless told). */
export function numberSelect(
  id: string,
  values: readonly number[],
  value: number,
  onchange: (v: number) => void,
  label: (v: number) => string = String,
): HTMLSelectElement {
  return select(
    id,
    values.map((v) => [String(v), label(v)] as const),
    String(value),
    (v) => onchange(Number(v)),
  );
}

/** A training budget in epochs, as the Budget selects show it: "1 epoch", "3 epochs". */
export function epochsLabel(e: number): string {
  return `${e} epoch${e === 1 ? '' : 's'}`;
}
