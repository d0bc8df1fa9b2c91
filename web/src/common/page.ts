/** What the shell gives a page, and what a page gives back. */

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
