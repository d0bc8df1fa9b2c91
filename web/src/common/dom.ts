/** A few lines of DOM building, so pages read as the structure they make. */

type Attrs = Record<string, string | number | boolean | EventListener | undefined>;
type Child = Node | string | null | undefined | false;

/** Creates an element: `h('button', { class: 'play', onclick: f }, '▶')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A labelled <select> whose options are [value, text] pairs. */
export function select(
  id: string,
  options: readonly (readonly [string, string])[],
  value: string,
  onchange: (v: string) => void,
): HTMLSelectElement {
  const el = h('select', { id });
  for (const [v, text] of options) el.append(h('option', { value: v }, text));
  el.value = value;
  el.addEventListener('change', () => onchange(el.value));
  return el;
}

/** Formats a number for a readout: 3 significant digits, no exponent for everyday sizes. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** A keyboard-reachable label that opens a (visually hidden) file input, as a button would. */
export function fileLabel(input: HTMLInputElement, text: string, attrs: Attrs = {}): HTMLLabelElement {
  const label = h('label', { for: input.id, tabindex: '0', role: 'button', ...attrs }, text);
  label.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.click();
    }
  });
  return label;
}
