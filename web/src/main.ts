/**
 * The studio's shell: a header with the pages, and a hash router (`#/playground?dataset=xor&…`) so every page
 * keeps its state in the URL and a shared link opens the same page with the same settings.
 */
import { CharRnnPage } from './charrnn/page.js';
import { h } from './common/dom.js';
import type { Page, PageContext } from './common/page.js';
import { MnistPage } from './mnist/page.js';
import { PlaygroundPage } from './playground/page.js';
import { RandwirePage } from './randwire/page.js';
import { RnnPage } from './rnn/page.js';
import { RunsPage } from './runs/page.js';
import './style.css';

interface Route {
  name: string;
  title: string;
  make(ctx: PageContext): Page;
}

const ROUTES: Route[] = [
  { name: 'playground', title: 'Playground', make: (ctx) => new PlaygroundPage(ctx) },
  { name: 'mnist', title: 'CNN on MNIST', make: (ctx) => new MnistPage(ctx) },
  { name: 'randwire', title: 'Random wiring', make: (ctx) => new RandwirePage(ctx) },
  { name: 'rnn', title: 'RNN structures', make: (ctx) => new RnnPage(ctx) },
  { name: 'charrnn', title: 'Char-RNN', make: (ctx) => new CharRnnPage(ctx) },
  { name: 'runs', title: 'Runs', make: (ctx) => new RunsPage(ctx) },
];

const backendBadge = h(
  'span',
  { id: 'backend', class: 'badge', title: 'the backend training runs on' },
  'backend: …',
);
const nav = h('nav', { 'aria-label': 'pages' });
const main = h('main', { id: 'page' });
document.body.append(
  h(
    'header',
    {},
    h('a', { class: 'brand', href: '#/playground' }, h('b', {}, 'neurite'), ' studio'),
    nav,
    backendBadge,
  ),
  main,
);

let current: { route: Route; page: Page } | null = null;
/** The page shown now; a page's URL writes count only while it is the one shown. */
let shown: object = {};

function parseHash(): { name: string; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const name = q < 0 ? hash : hash.slice(0, q);
  return { name: name || 'playground', params: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)) };
}

function show(): void {
  const { name, params } = parseHash();
  const route = ROUTES.find((r) => r.name === name) ?? ROUTES[0];
  if (current?.route === route) return;
  current?.page.destroy();
  const token = {};
  shown = token;
  const ctx: PageContext = {
    params,
    // a page that was left may still finish async work (the runs page awaits its logs): it must not rewrite the
    // URL of the history entry that is current by then, another page's
    setParams: (p) => {
      if (shown === token) history.replaceState(null, '', `#/${route.name}?${p.toString()}`);
    },
    backendBadge,
  };
  // pages without training (the runs dashboard) have no backend to show
  backendBadge.textContent = 'backend: …';
  backendBadge.hidden = route.name === 'runs';
  const page = route.make(ctx);
  current = { route, page };
  main.replaceChildren(page.element);
  document.title = `${route.title} · neurite studio`;
  nav.replaceChildren(
    ...ROUTES.map((r) =>
      h('a', { href: `#/${r.name}`, 'aria-current': r === route ? 'page' : undefined }, r.title),
    ),
  );
}

window.addEventListener('hashchange', () => {
  // a link to another page, or a pasted URL: rebuild from the URL
  const { name } = parseHash();
  if (current && current.route.name === name) {
    current.page.destroy();
    current = null;
  }
  show();
});
show();
