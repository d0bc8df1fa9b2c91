/** Transport icons as inline SVG (icon fonts and emoji glyphs are missing on many systems). */

const PATHS = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zM14 5h4v14h-4z',
  step: 'M6 5v14l9-7zM16 5h3v14h-3z',
  reset: 'M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z',
} as const;

export type IconName = keyof typeof PATHS;

/** Replaces an element's content with an icon. */
export function setIcon(el: HTMLElement, name: IconName): void {
  el.innerHTML = `<svg viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" focusable="false"><path fill="currentColor" d="${PATHS[name]}"/></svg>`;
}
