/** What the shell gives a page, what a page gives back, and the explanation panel every page opens with. */

import { h } from './dom.js';

export interface PageContext {
  /** The page's state from the URL (after `#/<page>?`). */
  params: URLSearchParams;
  /** Writes the page's state into the URL without reloading or adding history entries. */
  setParams(params: URLSearchParams): void;
  /** The header element that shows the backend in use. */
  backendBadge: HTMLElement;
}

export interface Page {
  readonly element: HTMLElement;
  /** Stops the page's workers and timers when the reader leaves it. */
  destroy(): void;
}

/** The page's explanation: a collapsible panel, open on load; `text`'s line breaks are only for the source. */
export function explainPanel(title: string, text: string): HTMLDetailsElement {
  return h(
    'details',
    { class: 'explain', open: true },
    h('summary', {}, title),
    h('p', {}, text.replace(/\n/g, ' ')),
  );
}
