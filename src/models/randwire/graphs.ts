/**
 * Random graph generators for randomly wired networks (Xie, Kirillov, Girshick, He 2019, "Exploring Randomly
 * Wired Neural Networks for Image Recognition", §3.2), and the graph a RandWire stage is built from.
 *
 * The three classical models generate undirected graphs; the paper turns one into a DAG by node index (every
 * edge points from the lower to the higher index), which is how {@link RandomGraph} reads its edges. Every
 * generator draws from a seeded {@link Generator}, so the same seed gives the same graph everywhere.
 */
import { positiveInt, ValueError } from '../../errors.js';
import { defaultGenerator, Generator } from '../../tensor/random.js';

/** Which random graph model, with its parameters (the node count N is given separately). */
export type GraphSpec =
  | {
      /** Erdős–Rényi: every pair of nodes is joined with probability `p`. */
      type: 'er';
      p: number;
    }
  | {
      /** Barabási–Albert: each new node attaches to `m` existing nodes, preferring those of high degree. */
      type: 'ba';
      m: number;
    }
  | {
      /** Watts–Strogatz: a ring where each node reaches `k/2` neighbours per side, edges rewired with `p`. */
      type: 'ws';
      k: number;
      p: number;
    };

/** Where a generator's randomness comes from. */
export interface GraphOptions {
  /** Seed of a fresh generator for this graph (recorded in the graph, so it can be made again). */
  seed?: number;
  /** An existing generator to draw from (used when no seed is given; the default generator otherwise). */
  generator?: Generator;
}

/** The JSON form of a {@link RandomGraph}, for saving and drawing. */
export interface RandomGraphJSON {
  /** The node ids, 0 … N−1. */
  nodes: number[];
  /** Directed edges `[from, to]` with `from < to`, sorted. */
  edges: [number, number][];
  /** Nodes without predecessors: the stage's extra input node feeds them. */
  inputs: number[];
  /** Nodes without successors: the stage's extra output node averages them. */
  outputs: number[];
  /** The model and parameters that generated the graph, or null for a graph given edge by edge. */
  generator: (GraphSpec & { n: number }) | null;
  /** The seed it was generated with, or null if it came from a shared generator. */
  seed: number | null;
}

/** Options of {@link RandomGraph.toDot}. */
export interface DotOptions {
  /** The graph's name in the DOT file (default: the generator and its parameters, e.g. `ws_n32_k4_p0.75`). */
  name?: string;
  /** Draw the stage's extra `input` and `output` nodes and their edges (default true). */
  ioNodes?: boolean;
}

/**
 * A random graph read as a DAG by node index: N nodes numbered 0 … N−1, each undirected edge `{u, v}` stored
 * as the directed edge `u → v` with `u < v`. Index order is therefore a topological order, and the graph has
 * no cycles by construction.
 *
 * Its input nodes (no predecessors) are fed by the stage's extra input node; its output nodes (no successors)
 * are averaged by the stage's extra output node (paper §3.1).
 */
export class RandomGraph {
  /** Directed edges `[from, to]`, `from < to`, sorted by `from` then `to`. */
  readonly edges: readonly (readonly [number, number])[];
  /** The model and parameters that generated this graph, or null. */
  readonly spec: GraphSpec | null;
  /** The seed it was generated with, or null. */
  readonly seed: number | null;
  private readonly preds: number[][];
  private readonly succs: number[][];

  /**
   * A graph from its edges; each pair is read as undirected and pointed from the lower to the higher index.
   * Throws on self-loops, duplicate edges and ids outside 0 … numNodes−1.
   */
  constructor(
    readonly numNodes: number,
    edges: Iterable<readonly [number, number]>,
    options: { spec?: GraphSpec | null; seed?: number | null } = {},
  ) {
    positiveInt('RandomGraph', 'numNodes', numNodes);
    const seen = new Set<number>();
    const list: [number, number][] = [];
    for (const [a, b] of edges) {
      for (const v of [a, b]) {
        if (!Number.isInteger(v) || v < 0 || v >= numNodes) {
          throw new ValueError(`RandomGraph: edge [${a}, ${b}] names a node outside 0…${numNodes - 1}`);
        }
      }
      if (a === b) throw new ValueError(`RandomGraph: self-loop at node ${a}`);
      const u = Math.min(a, b);
      const v = Math.max(a, b);
      const key = u * numNodes + v;
      if (seen.has(key)) throw new ValueError(`RandomGraph: duplicate edge [${u}, ${v}]`);
      seen.add(key);
      list.push([u, v]);
    }
    list.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    this.edges = list;
    this.spec = options.spec ?? null;
    this.seed = options.seed ?? null;
    this.preds = Array.from({ length: numNodes }, () => []);
    this.succs = Array.from({ length: numNodes }, () => []);
    for (const [u, v] of list) {
      this.succs[u].push(v);
      this.preds[v].push(u);
    }
  }

  /** The nodes with an edge into `v` (lower indices), ascending. */
  predecessors(v: number): readonly number[] {
    return this.preds[this.checkNode(v)];
  }

  /** The nodes `v` has an edge to (higher indices), ascending. */
  successors(v: number): readonly number[] {
    return this.succs[this.checkNode(v)];
  }

  /** The undirected degree of every node. */
  degrees(): number[] {
    return this.preds.map((p, v) => p.length + this.succs[v].length);
  }

  /** Nodes without predecessors, ascending (node 0 is always one). */
  inputs(): number[] {
    return this.nodeIds().filter((v) => this.preds[v].length === 0);
  }

  /** Nodes without successors, ascending (the last node is always one). */
  outputs(): number[] {
    return this.nodeIds().filter((v) => this.succs[v].length === 0);
  }

  /** The JSON form: nodes, edges, input and output nodes, generator and seed. */
  toJSON(): RandomGraphJSON {
    return {
      nodes: this.nodeIds(),
      edges: this.edges.map(([u, v]) => [u, v]),
      inputs: this.inputs(),
      outputs: this.outputs(),
      generator: this.spec ? { ...this.spec, n: this.numNodes } : null,
      seed: this.seed,
    };
  }

  /** Rebuilds a graph from {@link toJSON}'s output (the input/output lists are recomputed, not trusted). */
  static fromJSON(json: RandomGraphJSON): RandomGraph {
    if (!json || !Array.isArray(json.nodes) || !Array.isArray(json.edges)) {
      throw new ValueError('RandomGraph.fromJSON: expected an object with `nodes` and `edges` arrays');
    }
    let spec: GraphSpec | null = null;
    if (json.generator) {
      const { n: _n, ...rest } = json.generator;
      spec = rest as GraphSpec;
    }
    return new RandomGraph(json.nodes.length, json.edges, { spec, seed: json.seed ?? null });
  }

  /**
   * The graph in Graphviz DOT, one statement per line (`u -> v;` per edge), ready for `dot -Tsvg`. With
   * `ioNodes` (the default) the stage's extra `input` and `output` nodes are drawn as boxes.
   */
  toDot(options: DotOptions = {}): string {
    const ioNodes = options.ioNodes ?? true;
    const name = options.name ?? this.defaultName();
    const lines = [
      `digraph "${name.replace(/["\\]/g, '\\$&')}" {`,
      '  rankdir=TB;',
      '  node [shape=circle];',
    ];
    if (ioNodes) {
      lines.push('  input [shape=box, label="input"];', '  output [shape=box, label="output"];');
    }
    for (const v of this.nodeIds()) lines.push(`  ${v};`);
    if (ioNodes) for (const v of this.inputs()) lines.push(`  input -> ${v};`);
    for (const [u, v] of this.edges) lines.push(`  ${u} -> ${v};`);
    if (ioNodes) for (const v of this.outputs()) lines.push(`  ${v} -> output;`);
    lines.push('}');
    return `${lines.join('\n')}\n`;
  }

  /** A short description: the generator, N, the edge count and the seed. */
  toString(): string {
    return `RandomGraph(${this.defaultName()}, ${this.edges.length} edges)`;
  }

  private defaultName(): string {
    const s = this.spec;
    let name: string;
    if (!s) name = `graph_n${this.numNodes}`;
    else if (s.type === 'er') name = `er_n${this.numNodes}_p${s.p}`;
    else if (s.type === 'ba') name = `ba_n${this.numNodes}_m${s.m}`;
    else name = `ws_n${this.numNodes}_k${s.k}_p${s.p}`;
    return this.seed === null ? name : `${name}_seed${this.seed}`;
  }

  private nodeIds(): number[] {
    return Array.from({ length: this.numNodes }, (_, v) => v);
  }

  private checkNode(v: number): number {
    if (!Number.isInteger(v) || v < 0 || v >= this.numNodes) {
      throw new ValueError(`RandomGraph: node ${v} is outside 0…${this.numNodes - 1}`);
    }
    return v;
  }
}

function source(options: GraphOptions): { gen: Generator; seed: number | null } {
  if (options.seed !== undefined) return { gen: new Generator(options.seed), seed: options.seed };
  return { gen: options.generator ?? defaultGenerator, seed: null };
}

function checkNodes(n: number, min: number, label: string): void {
  if (!Number.isInteger(n) || n < min) {
    throw new ValueError(`${label}: the node count N must be an integer ≥ ${min}, got ${n}`);
  }
}

function checkProbability(p: number, label: string): void {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`${label}: P must be a probability in [0, 1], got ${p}`);
}

/** An n×n adjacency matrix of an undirected simple graph: cheap edge tests for the small graphs used here. */
class Adjacency {
  private readonly bits: Uint8Array;
  readonly degree: Int32Array;

  constructor(readonly n: number) {
    this.bits = new Uint8Array(n * n);
    this.degree = new Int32Array(n);
  }

  has(u: number, v: number): boolean {
    return this.bits[u * this.n + v] === 1;
  }

  add(u: number, v: number): void {
    this.bits[u * this.n + v] = this.bits[v * this.n + u] = 1;
    this.degree[u]++;
    this.degree[v]++;
  }

  remove(u: number, v: number): void {
    this.bits[u * this.n + v] = this.bits[v * this.n + u] = 0;
    this.degree[u]--;
    this.degree[v]--;
  }

  edges(): [number, number][] {
    const out: [number, number][] = [];
    for (let u = 0; u < this.n; u++)
      for (let v = u + 1; v < this.n; v++) if (this.has(u, v)) out.push([u, v]);
    return out;
  }
}

/**
 * Erdős–Rényi ER(N, P): each of the N(N−1)/2 node pairs is joined independently with probability P, so the
 * expected edge count is P·N(N−1)/2. The graph may have several connected components; as a RandWire stage
 * every component still reaches the stage's input and output nodes.
 */
export function erdosRenyi(n: number, p: number, options: GraphOptions = {}): RandomGraph {
  checkNodes(n, 1, `ER(N=${n}, P=${p})`);
  checkProbability(p, `ER(N=${n}, P=${p})`);
  const { gen, seed } = source(options);
  const edges: [number, number][] = [];
  for (let u = 0; u < n; u++) {
    for (let v = u + 1; v < n; v++) if (gen.random() < p) edges.push([u, v]);
  }
  return new RandomGraph(n, edges, { spec: { type: 'er', p }, seed });
}

/**
 * Barabási–Albert BA(N, M): start from M nodes without edges, then add nodes M, M+1, … one at a time; each new
 * node gets M edges to distinct existing nodes, every one chosen with probability proportional to its degree
 * (the degrees as they were before the new node arrived; while they are all zero, as for node M, the choice is
 * uniform, which joins node M to all M initial nodes). The graph has exactly M·(N−M) edges, and the node
 * index is the order of arrival, so in the DAG every added node has exactly M predecessors.
 */
export function barabasiAlbert(n: number, m: number, options: GraphOptions = {}): RandomGraph {
  const label = `BA(N=${n}, M=${m})`;
  checkNodes(n, 2, label);
  if (!Number.isInteger(m) || m < 1 || m >= n) {
    throw new ValueError(`${label}: M must be an integer with 1 ≤ M < N, got ${m}`);
  }
  const { gen, seed } = source(options);
  const degree = new Int32Array(n);
  const edges: [number, number][] = [];
  for (let v = m; v < n; v++) {
    const candidates = Array.from({ length: v }, (_, u) => u);
    const targets: number[] = [];
    // drawing proportionally to degree among the nodes not yet chosen is the paper's "repeatedly add
    // non-duplicate edges" without the rejected draws
    while (targets.length < m) {
      let total = 0;
      for (const u of candidates) total += degree[u];
      let pick: number;
      if (total === 0) {
        pick = gen.int(0, candidates.length);
      } else {
        let r = gen.random() * total;
        pick = 0;
        while (pick < candidates.length - 1 && (r -= degree[candidates[pick]]) >= 0) pick++;
        // a zero-degree candidate can never be picked, even at the end of the list through rounding
        while (degree[candidates[pick]] === 0) pick--;
      }
      targets.push(candidates[pick]);
      candidates.splice(pick, 1);
    }
    for (const u of targets) {
      edges.push([u, v]);
      degree[u]++;
    }
    degree[v] += m;
  }
  return new RandomGraph(n, edges, { spec: { type: 'ba', m }, seed });
}

/**
 * Watts–Strogatz WS(N, K, P): the N nodes sit on a ring, each joined to its K/2 nearest neighbours on either
 * side (a ring lattice with N·K/2 edges, every degree K). Then, in a clockwise loop repeated for i = 1 … K/2,
 * the edge from every node v to its i-th clockwise neighbour is rewired with probability P: v keeps the edge
 * but its other end moves to a uniformly chosen node that is neither v nor already joined to v. (If v is
 * already joined to every other node the edge stays.) Rewiring never changes the edge count.
 */
export function wattsStrogatz(n: number, k: number, p: number, options: GraphOptions = {}): RandomGraph {
  const label = `WS(N=${n}, K=${k}, P=${p})`;
  checkNodes(n, 3, label);
  if (!Number.isInteger(k) || k < 2 || k % 2 !== 0 || k >= n) {
    throw new ValueError(`${label}: K must be an even integer with 2 ≤ K < N, got ${k}`);
  }
  checkProbability(p, label);
  const { gen, seed } = source(options);
  const adj = new Adjacency(n);
  for (let i = 1; i <= k / 2; i++) for (let v = 0; v < n; v++) adj.add(v, (v + i) % n);
  for (let i = 1; i <= k / 2; i++) {
    for (let v = 0; v < n; v++) {
      if (gen.random() >= p) continue;
      const old = (v + i) % n;
      if (adj.degree[v] >= n - 1) continue;
      let w = gen.int(0, n);
      while (w === v || adj.has(v, w)) w = gen.int(0, n);
      adj.remove(v, old);
      adj.add(v, w);
    }
  }
  return new RandomGraph(n, adj.edges(), { spec: { type: 'ws', k, p }, seed });
}

/** Generates an N-node graph of the model `spec` describes. */
export function generateGraph(spec: GraphSpec, n: number, options: GraphOptions = {}): RandomGraph {
  switch (spec.type) {
    case 'er':
      return erdosRenyi(n, spec.p, options);
    case 'ba':
      return barabasiAlbert(n, spec.m, options);
    case 'ws':
      return wattsStrogatz(n, spec.k, spec.p, options);
    default:
      throw new ValueError(
        `generateGraph: unknown graph type '${(spec as { type: unknown }).type}' (expected 'er', 'ba' or 'ws')`,
      );
  }
}
