import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import {
  barabasiAlbert,
  erdosRenyi,
  generateGraph,
  RandomGraph,
  RandWireNet,
  RandWireNode,
  RandWireStage,
  wattsStrogatz,
} from '../../src/models/randwire/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectClose, gradcheck } from '../helpers/gradcheck.js';

const seeds = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The ring lattice WS(N, K, 0) must be: every node joined to its K/2 clockwise neighbours. */
function ringLattice(n: number, k: number): string[] {
  const edges: string[] = [];
  for (let v = 0; v < n; v++) {
    for (let i = 1; i <= k / 2; i++) {
      const w = (v + i) % n;
      edges.push(`${Math.min(v, w)}-${Math.max(v, w)}`);
    }
  }
  return edges.sort();
}

const edgeKeys = (g: RandomGraph) => g.edges.map(([u, v]) => `${u}-${v}`).sort();

/** Kahn's algorithm over the directed edges: the order it finds, or null if there is a cycle. */
function topologicalOrder(g: RandomGraph): number[] | null {
  const indeg = new Array(g.numNodes).fill(0);
  for (const [, v] of g.edges) indeg[v]++;
  const queue = indeg.flatMap((d, v) => (d === 0 ? [v] : []));
  const order: number[] = [];
  while (queue.length) {
    const u = queue.shift()!;
    order.push(u);
    for (const [a, b] of g.edges) if (a === u && --indeg[b] === 0) queue.push(b);
  }
  return order.length === g.numNodes ? order : null;
}

describe('Erdős–Rényi', () => {
  it('has about P·N(N−1)/2 edges on average over seeds', () => {
    const n = 20;
    const p = 0.3;
    const counts = seeds(200).map((seed) => erdosRenyi(n, p, { seed }).edges.length);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    // expected 57; the standard error of the mean over 200 graphs is about 0.45
    expect(Math.abs(mean - (p * n * (n - 1)) / 2)).toBeLessThan(2.5);
    expect(new Set(counts).size).toBeGreaterThan(5);
  });

  it('gives the empty graph at P = 0 and the complete graph at P = 1', () => {
    expect(erdosRenyi(10, 0, { seed: 1 }).edges).toHaveLength(0);
    expect(erdosRenyi(10, 1, { seed: 1 }).edges).toHaveLength(45);
  });
});

describe('Barabási–Albert', () => {
  it('attaches every added node with exactly M edges to earlier nodes; M·(N−M) edges in all', () => {
    for (const seed of seeds(20)) {
      const n = 16;
      const m = 3;
      const g = barabasiAlbert(n, m, { seed });
      expect(g.edges).toHaveLength(m * (n - m));
      for (let v = 0; v < n; v++) expect(g.predecessors(v).length).toBe(v < m ? 0 : m);
      // the first added node has only the M initial nodes to choose from
      expect(g.predecessors(m)).toEqual([0, 1, 2]);
    }
  });

  it('attaches with probability proportional to degree', () => {
    // BA(4, 2): node 2 joins 0 and 1, so the degrees are 1, 1, 2 when node 3 arrives. Node 3 picks node 2
    // with probability 2/4 + 2·(1/4)·(2/3) = 5/6 (uniform attachment would give 2/3).
    const trials = 3000;
    let hits = 0;
    const gen = new nt.Generator(7);
    for (let t = 0; t < trials; t++) {
      if (barabasiAlbert(4, 2, { generator: gen }).predecessors(3).includes(2)) hits++;
    }
    expect(Math.abs(hits / trials - 5 / 6)).toBeLessThan(0.03);
  });
});

describe('Watts–Strogatz', () => {
  it('is exactly the ring lattice at P = 0, every degree K', () => {
    for (const [n, k] of [
      [8, 2],
      [12, 4],
      [32, 6],
    ]) {
      const g = wattsStrogatz(n, k, 0, { seed: 3 });
      expect(edgeKeys(g)).toEqual(ringLattice(n, k));
      expect(g.degrees()).toEqual(new Array(n).fill(k));
    }
  });

  it('keeps N·K/2 edges when rewiring, and rewires some of them', () => {
    for (const seed of seeds(20)) {
      const g = wattsStrogatz(32, 4, 0.75, { seed });
      expect(g.edges).toHaveLength(64);
      const lattice = new Set(ringLattice(32, 4));
      expect(edgeKeys(g).filter((e) => !lattice.has(e)).length).toBeGreaterThan(10);
    }
    // at P = 1 a dense graph runs out of targets for some nodes and keeps those edges
    expect(wattsStrogatz(6, 4, 1, { seed: 0 }).edges).toHaveLength(12);
  });
});

describe('graph generation', () => {
  it('is deterministic for a seed and varies with it', () => {
    const specs = [
      { type: 'ws', k: 4, p: 0.75 },
      { type: 'er', p: 0.2 },
      { type: 'ba', m: 5 },
    ] as const;
    for (const spec of specs) {
      const a = generateGraph(spec, 32, { seed: 11 });
      const b = generateGraph(spec, 32, { seed: 11 });
      const c = generateGraph(spec, 32, { seed: 12 });
      expect(a.edges).toEqual(b.edges);
      expect(a.edges).not.toEqual(c.edges);
      expect(generateGraph(spec, 32, { generator: new nt.Generator(11) }).edges).toEqual(a.edges);
      expect(a.seed).toBe(11);
      expect(a.spec).toEqual(spec);
    }
  });

  it('rejects invalid parameters with messages naming them', () => {
    expect(() => wattsStrogatz(10, 3, 0.5)).toThrow(/K must be an even integer/);
    expect(() => wattsStrogatz(10, 10, 0.5)).toThrow(/2 ≤ K < N/);
    expect(() => wattsStrogatz(10, 4, 1.5)).toThrow(/P must be a probability in \[0, 1\], got 1.5/);
    expect(() => erdosRenyi(10, -0.1)).toThrow(nt.ValueError);
    expect(() => erdosRenyi(10, Number.NaN)).toThrow(/P must be a probability/);
    expect(() => barabasiAlbert(5, 5)).toThrow(/1 ≤ M < N, got 5/);
    expect(() => barabasiAlbert(5, 0)).toThrow(/BA\(N=5, M=0\)/);
    expect(() => erdosRenyi(2.5, 0.5)).toThrow(/node count N must be an integer/);
    expect(() => generateGraph({ type: 'xx' } as never, 5)).toThrow(/unknown graph type 'xx'/);
    expect(() => new RandomGraph(3, [[0, 0]])).toThrow(/self-loop/);
    expect(
      () =>
        new RandomGraph(3, [
          [0, 1],
          [1, 0],
        ]),
    ).toThrow(/duplicate edge \[0, 1\]/);
    expect(() => new RandomGraph(3, [[0, 3]])).toThrow(/outside 0…2/);
  });

  it('reads each graph as a DAG by index, with the right input and output nodes', () => {
    for (const spec of [
      { type: 'ws', k: 4, p: 0.75 },
      { type: 'er', p: 0.2 },
      { type: 'ba', m: 3 },
    ] as const) {
      for (const seed of seeds(10)) {
        const g = generateGraph(spec, 24, { seed });
        expect(g.edges.every(([u, v]) => u < v)).toBe(true);
        expect(topologicalOrder(g)).not.toBeNull();
        const hasPred = new Set(g.edges.map(([, v]) => v));
        const hasSucc = new Set(g.edges.map(([u]) => u));
        const all = Array.from({ length: 24 }, (_, v) => v);
        expect(g.inputs()).toEqual(all.filter((v) => !hasPred.has(v)));
        expect(g.outputs()).toEqual(all.filter((v) => !hasSucc.has(v)));
        expect(g.inputs()[0]).toBe(0);
        expect(g.outputs().at(-1)).toBe(23);
      }
    }
    // undirected input is pointed from low to high index
    const g = new RandomGraph(4, [
      [2, 0],
      [3, 1],
      [1, 2],
    ]);
    expect(g.edges).toEqual([
      [0, 2],
      [1, 2],
      [1, 3],
    ]);
    expect(g.predecessors(2)).toEqual([0, 1]);
    expect(g.successors(1)).toEqual([2, 3]);
    expect(g.inputs()).toEqual([0, 1]);
    expect(g.outputs()).toEqual([2, 3]);
  });

  it('exports JSON that round-trips', () => {
    const g = wattsStrogatz(10, 4, 0.5, { seed: 5 });
    const json = JSON.parse(JSON.stringify(g));
    expect(json.nodes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(json.edges).toHaveLength(20);
    expect(json.inputs).toEqual(g.inputs());
    expect(json.outputs).toEqual(g.outputs());
    expect(json.generator).toEqual({ type: 'ws', k: 4, p: 0.5, n: 10 });
    expect(json.seed).toBe(5);
    const back = RandomGraph.fromJSON(json);
    expect(back.edges).toEqual(g.edges);
    expect(back.spec).toEqual(g.spec);
    expect(back.seed).toBe(5);
    expect(() => RandomGraph.fromJSON({} as never)).toThrow(/nodes.*edges/);
  });

  it('exports Graphviz DOT with one line per edge', () => {
    const g = barabasiAlbert(12, 2, { seed: 4 });
    const dot = g.toDot();
    const lines = dot.trim().split('\n');
    expect(lines[0]).toBe('digraph "ba_n12_m2_seed4" {');
    expect(lines.at(-1)).toBe('}');
    expect(dot.split('{').length).toBe(dot.split('}').length);
    const edgeLines = lines.filter((l) => l.includes('->'));
    expect(edgeLines).toHaveLength(g.edges.length + g.inputs().length + g.outputs().length);
    for (const l of edgeLines) expect(l).toMatch(/^ {2}(\d+|input) -> (\d+|output);$/);
    for (const [u, v] of g.edges) expect(lines).toContain(`  ${u} -> ${v};`);
    for (const v of g.inputs()) expect(lines).toContain(`  input -> ${v};`);
    for (const v of g.outputs()) expect(lines).toContain(`  ${v} -> output;`);
    const bare = g.toDot({ ioNodes: false, name: 'stage "1"' });
    expect(bare.split('\n')[0]).toBe('digraph "stage \\"1\\"" {');
    expect(bare.split('\n').filter((l) => l.includes('->'))).toHaveLength(g.edges.length);
    expect(bare).not.toContain('input');
  });
});

const tinyNet = (seed: number, spec: nt.models.randwire.GraphSpec = { type: 'ws', k: 2, p: 0.5 }) =>
  new RandWireNet({
    graph: spec,
    nodes: 5,
    channels: 4,
    stages: 2,
    numClasses: 3,
    inChannels: 1,
    headChannels: 8,
    stemStrides: [2, 1],
    seed,
  });

describe('RandWireNet', () => {
  it('has readable, stable parameter names', () => {
    const net = tinyNet(0);
    const keys = Object.keys(net.stateDict());
    expect(keys.slice(0, 2)).toEqual(['conv1.0.weight', 'conv1.1.weight']);
    for (const k of [
      'conv2.1.weight',
      'stages.0.nodes.3.weight',
      'stages.0.nodes.3.conv.depthwise.weight',
      'stages.0.nodes.3.conv.pointwise.weight',
      'stages.1.nodes.4.bn.running_var',
      'head.1.weight',
      'fc.weight',
      'fc.bias',
    ]) {
      expect(keys).toContain(k);
    }
    const stage = net.stages.at(0) as RandWireStage;
    for (let v = 0; v < 5; v++) {
      const node = stage.nodes.at(v) as RandWireNode;
      expect(node.weight.shape).toEqual([Math.max(1, stage.graph.predecessors(v).length)]);
      // input nodes take the stage input (4 channels here) and downsample
      const isInput = stage.graph.inputs().includes(v);
      expect(node.stride).toBe(isInput ? 2 : 1);
      expect(node.conv.depthwise.weight.shape).toEqual([4, 1, 3, 3]);
    }
    const stage1 = net.stages.at(1) as RandWireStage;
    expect((stage1.nodes.at(0) as RandWireNode).conv.pointwise.weight.shape).toEqual([8, 4, 1, 1]);
  });

  it('is reproducible from its seed: same graphs, same weights', () => {
    const a = tinyNet(3);
    const b = tinyNet(3);
    const c = tinyNet(4);
    expect(a.graphs().map((g) => g.edges)).toEqual(b.graphs().map((g) => g.edges));
    for (const [k, t] of Object.entries(a.stateDict())) expect(b.stateDict()[k].data).toEqual(t.data);
    expect(a.stateDict()['fc.weight'].data).not.toEqual(c.stateDict()['fc.weight'].data);
    const graphs = a.graphs();
    expect(graphs).toHaveLength(2);
    expect(graphs[0].seed).not.toBe(graphs[1].seed);
    // each stage's graph can be regenerated from its recorded seed alone
    for (const g of graphs) expect(generateGraph(g.spec!, 5, { seed: g.seed! }).edges).toEqual(g.edges);
    // and a net can be rebuilt from exported graphs
    const rebuilt = new RandWireNet({
      graphs: graphs.map((g) => RandomGraph.fromJSON(JSON.parse(JSON.stringify(g)))),
      nodes: 5,
      channels: 4,
      numClasses: 3,
      inChannels: 1,
      headChannels: 8,
    });
    expect(rebuilt.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
  });

  it('rejects bad options and inputs with clear errors', () => {
    expect(() => new RandWireNet({ graph: { type: 'ws', k: 3, p: 0.5 }, nodes: 8 })).toThrow(
      /K must be an even/,
    );
    expect(() => new RandWireNet({})).toThrow(/give options.graph/);
    expect(() => new RandWireNet({ graph: { type: 'er', p: 0.2 }, channels: 0 })).toThrow(
      /channels must be a positive integer, got 0/,
    );
    const net = tinyNet(0);
    expect(() => net.forward(nt.zeros([2, 3, 8, 8]))).toThrow(
      /expected input \[N, 1, H, W\], got \[2, 3, 8, 8\]/,
    );
    const stage = net.stages.at(0) as RandWireStage;
    expect(() => stage.forward(nt.zeros([2, 5, 8, 8]))).toThrow(/RandWireStage\(4 -> 4, 5 nodes\)/);
    expect(() => (stage.nodes.at(4) as RandWireNode).forward([])).toThrow(/expected \d+ inputs/);
  });
});

forEachBackend('RandWire', (_backend, it) => {
  it('maps images to class scores, each stage halving the resolution', () => {
    const net = tinyNet(1);
    const x = nt.randn([2, 1, 16, 16], { generator: new nt.Generator(0) });
    expect(net.forward(x).shape).toEqual([2, 3]);
    const h = net.conv2.forward(net.conv1.forward(x));
    expect(h.shape).toEqual([2, 4, 8, 8]);
    const s0 = (net.stages.at(0) as RandWireStage).forward(h);
    expect(s0.shape).toEqual([2, 4, 4, 4]);
    expect((net.stages.at(1) as RandWireStage).forward(s0).shape).toEqual([2, 8, 2, 2]);
  });

  it('wires a stage as its graph says: weighted sums in, plain average out', () => {
    // 0 → 2, 1 → 2, 0 → 3: inputs 0 and 1, outputs 2 and 3
    const graph = new RandomGraph(4, [
      [0, 2],
      [1, 2],
      [0, 3],
    ]);
    const stage = new RandWireStage(2, 3, graph, { generator: new nt.Generator(2) });
    stage.eval();
    const nodes = [0, 1, 2, 3].map((v) => stage.nodes.at(v) as RandWireNode);
    nodes[2].weight.data.set([0.5, -1]);
    for (const node of nodes) {
      node.bn.running_mean!.data.set([0.1, -0.2, 0.3]);
      node.bn.running_var!.data.set([0.5, 2, 1.5]);
    }
    const x = nt.randn([2, 2, 6, 6], { generator: new nt.Generator(1) });
    const y = stage.forward(x);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    const n0 = nodes[0].forward([x]);
    const n1 = nodes[1].forward([x]);
    const n2 = nodes[2].bn.forward(
      nodes[2].conv.forward(
        n0
          .mul(1 / (1 + Math.exp(-0.5)))
          .add(n1.mul(1 / (1 + Math.exp(1))))
          .relu(),
      ),
    );
    const n3 = nodes[3].forward([n0]);
    expectClose(y.data, n2.add(n3).div(2).data, { atol: 1e-5, rtol: 1e-4 });
    // a single input is scaled by σ(w) too
    expectClose(n0.data, nodes[0].bn.forward(nodes[0].conv.forward(x.mul(0.5).relu())).data);
  });

  it('sends gradients to the aggregation weights', () => {
    const net = tinyNet(2, { type: 'er', p: 0.6 });
    const x = nt.randn([4, 1, 12, 12], { generator: new nt.Generator(3) });
    const y = nt.tensor(new Int32Array([0, 1, 2, 1]), [4]);
    nt.crossEntropy(net.forward(x), y).backward();
    let multi = 0;
    for (const stage of net.stages) {
      for (const m of (stage as RandWireStage).nodes) {
        const node = m as RandWireNode;
        expect(node.weight.grad, 'every aggregation weight gets a gradient').not.toBeNull();
        if (node.inDegree > 1) {
          multi++;
          expect(node.weight.grad!.abs().sum().item()).toBeGreaterThan(0);
        }
      }
    }
    expect(multi).toBeGreaterThan(0);
  });

  it('has the right aggregation gradient (finite differences)', () => {
    const node = new RandWireNode(3, 2, 2, { generator: new nt.Generator(5) });
    node.eval();
    node.weight.data.set([0.3, -0.7, 1.1]);
    const g = new nt.Generator(6);
    const inputs = [0, 1, 2].map(() => nt.randn([1, 2, 4, 4], { generator: g }));
    gradcheck((_w, a, b, c) => node.forward([a, b, c]), [node.weight, ...inputs]);
  });
});

describe('RandWireNet learning', () => {
  it('learns a tiny image task in a few steps', () => {
    // 4 classes of 8×8 images: a bright bar in the top, bottom, left or right half, plus noise
    const gen = new nt.Generator(0);
    const n = 48;
    const x = nt.randn([n, 1, 8, 8], { generator: gen }).mul(0.3);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 4;
      labels[i] = c;
      for (let j = 0; j < 8; j++) {
        const [r, col] = c === 0 ? [1, j] : c === 1 ? [6, j] : c === 2 ? [j, 1] : [j, 6];
        x.data[i * 64 + r * 8 + col] += 2;
      }
    }
    const y = nt.tensor(labels, [n]);
    const net = new RandWireNet({
      graph: { type: 'ba', m: 2 },
      nodes: 4,
      channels: 4,
      stages: 2,
      numClasses: 4,
      inChannels: 1,
      headChannels: 16,
      stemStrides: [1, 1],
      seed: 0,
    });
    const opt = new nt.optim.Adam(net.parameters(), { lr: 0.02 });
    let first = 0;
    let last = 0;
    let accuracy = 0;
    for (let step = 0; step < 12; step++) {
      const logits = net.forward(x);
      const loss = nt.crossEntropy(logits, y);
      if (step === 0) first = loss.item();
      last = loss.item();
      // batch statistics (training mode) on the whole set: the running ones lag behind such fast learning
      accuracy = logits.argmax(1).eq(y).mean().item();
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    expect(last).toBeLessThan(first * 0.3);
    expect(accuracy).toBe(1);
  });
});
