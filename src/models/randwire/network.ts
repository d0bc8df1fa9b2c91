/**
 * Randomly wired networks (RandWire; Xie, Kirillov, Girshick, He 2019): stages whose wiring is a random graph,
 * every node one ReLU → 3×3 separable convolution → batch norm, fed by a learnable weighted sum of its inputs.
 */
import { fmtShape, positiveInt, ShapeError, ValueError } from '../../errors.js';
import { ReLU } from '../../nn/activation.js';
import { ModuleList, Sequential } from '../../nn/container.js';
import { Conv2d } from '../../nn/conv.js';
import { Dropout } from '../../nn/dropout.js';
import { internalMarker, keepsNothingWithChildren } from '../../nn/internal.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d } from '../../nn/norm.js';
import { Parameter } from '../../nn/parameter.js';
import { AdaptiveAvgPool2d } from '../../nn/pool.js';
import { SeparableConv2d } from '../../nn/separable.js';
import { sigmoid } from '../../ops/activation.js';
import { add, div, weightedSum } from '../../ops/elementwise.js';
import { flatten } from '../../ops/shape.js';
import { zeros } from '../../tensor/creation.js';
import { defaultGenerator, Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type GraphSpec, generateGraph, type RandomGraph } from './graphs.js';

/** Options shared by the node and the stage. */
export interface RandWireLayerOptions {
  /** Source of the initial convolution weights (the default generator otherwise). */
  generator?: Generator;
}

export interface RandWireNodeOptions extends RandWireLayerOptions {
  /** Stride of the node's convolution (2 for the input nodes of a stage, which downsample; default 1). */
  stride?: number;
}

/**
 * One node of a random graph (paper §3.1). Aggregation: a weighted sum of its inputs, Σᵢ σ(wᵢ)·xᵢ, with one
 * learnable scalar wᵢ per incoming edge, squashed by a sigmoid so every weight stays positive (wᵢ starts at 0,
 * a weight of ½). Transformation: ReLU → 3×3 depthwise-separable convolution → BatchNorm2d. Its output goes
 * unchanged along every outgoing edge.
 *
 * State-dict keys: `weight` (the aggregation weights, `[inDegree]`), `conv.depthwise.weight`,
 * `conv.pointwise.weight`, `bn.weight`, `bn.bias`, `bn.running_mean`, `bn.running_var`,
 * `bn.num_batches_tracked`.
 */
export class RandWireNode extends Module {
  /** Aggregation weights before the sigmoid, one per incoming edge. */
  weight: Parameter;
  conv: SeparableConv2d;
  bn: BatchNorm2d;
  readonly stride: number;

  constructor(
    readonly inDegree: number,
    readonly inChannels: number,
    readonly outChannels: number,
    options: RandWireNodeOptions = {},
  ) {
    super();
    positiveInt('RandWireNode', 'inDegree', inDegree);
    this.stride = options.stride ?? 1;
    this.weight = new Parameter(zeros([inDegree]));
    // no bias: the batch norm right after it has its own shift
    this.conv = new SeparableConv2d(inChannels, outChannels, 3, {
      stride: this.stride,
      padding: 1,
      bias: false,
      generator: options.generator,
    });
    this.bn = new BatchNorm2d(outChannels);
  }

  /** Aggregates `inputs` (one `[N, inChannels, H, W]` tensor per incoming edge) and transforms the sum. */
  forward(inputs: readonly Tensor[]): Tensor {
    if (inputs.length !== this.inDegree) {
      throw new ValueError(
        `RandWireNode: expected ${this.inDegree} inputs (one per edge), got ${inputs.length}`,
      );
    }
    const mark = internalMarker(this);
    // ReLU(Σ sigmoid(wᵢ)·xᵢ) as one op: a node of in-degree k would otherwise make 2k − 1 products and sums
    const x = mark(weightedSum(inputs, sigmoid(this.weight), { relu: true }));
    return this.bn.forward(mark(this.conv.forward(x)));
  }

  protected override extraRepr(): string {
    return `inDegree=${this.inDegree}, ${this.inChannels} -> ${this.outChannels}, stride=${this.stride}`;
  }
}

keepsNothingWithChildren(RandWireNode);

export interface RandWireStageOptions extends RandWireLayerOptions {
  /** Stride of the graph's input nodes (default 2: every stage halves the resolution, as in the paper). */
  stride?: number;
}

/**
 * A stage of a randomly wired network: one {@link RandWireNode} per graph node, wired as the DAG says. An extra
 * input node hands the stage's input to every input node of the graph (nodes without predecessors), which
 * downsample with stride 2 and map `inChannels` to `outChannels`; an extra output node returns the plain
 * average of every output node (nodes without successors). Nodes run in index order, a topological order.
 *
 * State-dict keys: `nodes.{i}.…` for graph node i (see {@link RandWireNode}).
 */
export class RandWireStage extends Module {
  nodes: ModuleList;
  private readonly _inputs: number[];
  private readonly _outputs: number[];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly graph: RandomGraph,
    options: RandWireStageOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      positiveInt('RandWireStage', name, v);
    }
    const stride = options.stride ?? 2;
    const nodes: RandWireNode[] = [];
    for (let v = 0; v < graph.numNodes; v++) {
      const preds = graph.predecessors(v).length;
      const isInput = preds === 0;
      nodes.push(
        new RandWireNode(isInput ? 1 : preds, isInput ? inChannels : outChannels, outChannels, {
          stride: isInput ? stride : 1,
          generator: options.generator,
        }),
      );
    }
    this.nodes = new ModuleList(nodes);
    this._inputs = graph.inputs();
    this._outputs = graph.outputs();
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(
        `RandWireStage(${this.inChannels} -> ${this.outChannels}, ${this.graph.numNodes} nodes): expected input [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
    const g = this.graph;
    const mark = internalMarker(this);
    const single = this._outputs.length === 1;
    const outs: (Tensor | null)[] = new Array(g.numNodes).fill(null);
    // drop each node's output once its last consumer has read it, so only the live frontier stays in memory
    const pending = Array.from({ length: g.numNodes }, (_, v) => g.successors(v).length);
    for (let v = 0; v < g.numNodes; v++) {
      const preds = g.predecessors(v);
      const inputs = preds.length === 0 ? [x] : preds.map((u) => outs[u] as Tensor);
      const out = (this.nodes.at(v) as RandWireNode).forward(inputs);
      // every node's output feeds other nodes or the average, except a lone output node's, which is returned
      outs[v] = single && v === this._outputs[0] ? out : mark(out);
      for (const u of preds) if (--pending[u] === 0) outs[u] = null;
    }
    let y = outs[this._outputs[0]] as Tensor;
    for (let i = 1; i < this._outputs.length; i++) y = mark(add(y, outs[this._outputs[i]] as Tensor));
    return single ? y : div(y, this._outputs.length);
  }

  protected override extraRepr(): string {
    return `${this.inChannels} -> ${this.outChannels}, ${this.graph.toString()}, inputs=[${this._inputs.join(', ')}], outputs=[${this._outputs.join(', ')}]`;
  }
}

keepsNothingWithChildren(RandWireStage);

export interface RandWireNetOptions {
  /**
   * The random graph model of every stage: `{ type: 'ws', k: 4, p: 0.75 }`, `{ type: 'er', p: 0.2 }` or
   * `{ type: 'ba', m: 5 }`. Required unless `graphs` is given.
   */
  graph?: GraphSpec;
  /** Nodes per random stage, the paper's N (default 32). */
  nodes?: number;
  /** Base width, the paper's C (default 78, the small regime's): stage i has C·2ⁱ channels, conv1 C/2. */
  channels?: number;
  /** Number of random stages (default 3: the small regime's conv3, conv4 and conv5). */
  stages?: number;
  /** Output classes (default 1000). */
  numClasses?: number;
  /** Input image channels (default 3). */
  inChannels?: number;
  /** Channels of the classifier's 1×1 convolution (default 1280). */
  headChannels?: number;
  /**
   * Strides of conv1 and conv2 (default [2, 2], taking 224×224 down to 56×56 before the first random stage).
   * Small images keep more resolution with [2, 1] (28×28 MNIST: 14×14 into the first stage).
   */
  stemStrides?: [number, number];
  /** Dropout before the final fully connected layer (default 0; the paper used 0.2 on ImageNet). */
  dropout?: number;
  /**
   * Seed of the whole net: the graph of stage i is generated with the i-th number drawn from a generator
   * seeded with it, and the weights are initialised from that generator after it. Without a seed the default
   * generator is used (so `manualSeed` decides).
   */
  seed?: number;
  /** Ready-made graphs, one per stage (e.g. from `RandomGraph.fromJSON`); overrides `graph`, `nodes` and `stages`. */
  graphs?: readonly RandomGraph[];
}

/**
 * A randomly wired network in the paper's small-computation regime (Table 1):
 *
 * | part       | layers                                                              | channels |
 * |------------|---------------------------------------------------------------------|----------|
 * | conv1      | 3×3 conv, stride 2 → BN                                             | C/2      |
 * | conv2      | ReLU → 3×3 conv, stride 2 → BN                                      | C        |
 * | stages.0…  | random stages of N nodes, each halving the resolution               | C, 2C, 4C… |
 * | head       | ReLU → 1×1 conv → BN → ReLU                                         | 1280     |
 * | pool, fc   | global average pool → (dropout) → fully connected                  | classes  |
 *
 * Every stage's graph comes from the same model (`graph`) with its own seed, so a net is reproducible from
 * its options; {@link graphs} returns the graphs for export. Scale it down for small images with fewer nodes,
 * fewer channels and `stemStrides: [2, 1]`.
 *
 * ```ts
 * const net = new models.randwire.RandWireNet({ graph: { type: 'ws', k: 4, p: 0.75 }, nodes: 8, channels: 16,
 *   numClasses: 10, inChannels: 1, headChannels: 256, stemStrides: [2, 1], seed: 0 });
 * net.forward(nt.randn([2, 1, 28, 28])).shape; // [2, 10]
 * ```
 *
 * State-dict keys: `conv1.0.weight`, `conv1.1.*` (BN), `conv2.1.weight`, `conv2.2.*`,
 * `stages.{s}.nodes.{i}.weight` (aggregation), `stages.{s}.nodes.{i}.conv.depthwise.weight`,
 * `stages.{s}.nodes.{i}.conv.pointwise.weight`, `stages.{s}.nodes.{i}.bn.*`, `head.1.weight`, `head.2.*`,
 * `fc.weight`, `fc.bias`.
 */
export class RandWireNet extends Module {
  conv1: Sequential;
  conv2: Sequential;
  stages: ModuleList;
  head: Sequential;
  pool: AdaptiveAvgPool2d;
  dropout: Dropout;
  fc: Linear;
  readonly inChannels: number;
  readonly numClasses: number;

  constructor(options: RandWireNetOptions) {
    super();
    const c = options.channels ?? 78;
    const n = options.nodes ?? 32;
    const numStages = options.graphs?.length ?? options.stages ?? 3;
    const inChannels = options.inChannels ?? 3;
    const numClasses = options.numClasses ?? 1000;
    const headChannels = options.headChannels ?? 1280;
    const [s1, s2] = options.stemStrides ?? [2, 2];
    const positive: [string, number][] = [
      ['channels', c],
      ['nodes', n],
      ['stages', numStages],
      ['inChannels', inChannels],
      ['numClasses', numClasses],
      ['headChannels', headChannels],
      ['stemStrides[0]', s1],
      ['stemStrides[1]', s2],
    ];
    for (const [name, v] of positive) {
      positiveInt('RandWireNet', name, v);
    }
    if (c < 2) throw new ValueError(`RandWireNet: channels (C) must be at least 2 (conv1 has C/2), got ${c}`);
    this.inChannels = inChannels;
    this.numClasses = numClasses;

    const gen = options.seed === undefined ? defaultGenerator : new Generator(options.seed);
    let graphs: RandomGraph[];
    if (options.graphs) {
      graphs = [...options.graphs];
    } else {
      const spec = options.graph;
      if (!spec)
        throw new ValueError('RandWireNet: give options.graph (the random graph model) or options.graphs');
      // the seeds are drawn before any weight, so a stage's graph depends only on the net seed and its index
      const seeds = Array.from({ length: numStages }, () => gen.nextUint32());
      graphs = seeds.map((seed) => generateGraph(spec, n, { seed }));
    }

    const half = Math.floor(c / 2);
    this.conv1 = new Sequential(
      new Conv2d(inChannels, half, 3, { stride: s1, padding: 1, bias: false, generator: gen }),
      new BatchNorm2d(half),
    );
    this.conv2 = new Sequential(
      new ReLU(),
      new Conv2d(half, c, 3, { stride: s2, padding: 1, bias: false, generator: gen }),
      new BatchNorm2d(c),
    );
    const stages: RandWireStage[] = [];
    let width = c;
    for (let i = 0; i < graphs.length; i++) {
      const out = c * 2 ** i;
      stages.push(new RandWireStage(width, out, graphs[i], { generator: gen }));
      width = out;
    }
    this.stages = new ModuleList(stages);
    this.head = new Sequential(
      new ReLU(),
      new Conv2d(width, headChannels, 1, { bias: false, generator: gen }),
      new BatchNorm2d(headChannels),
      new ReLU(),
    );
    this.pool = new AdaptiveAvgPool2d(1);
    this.dropout = new Dropout(options.dropout ?? 0, { generator: gen });
    this.fc = new Linear(headChannels, numClasses, { generator: gen });
  }

  /** The random graph of every stage, in order (for `toJSON()` / `toDot()`). */
  graphs(): RandomGraph[] {
    return [...this.stages].map((s) => (s as RandWireStage).graph);
  }

  /** Class scores `[N, numClasses]` for images `[N, inChannels, H, W]`. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(
        `RandWireNet: expected input [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
    const mark = internalMarker(this);
    let h = mark(this.conv2.forward(mark(this.conv1.forward(x))));
    for (const stage of this.stages) h = mark((stage as RandWireStage).forward(h));
    h = mark(flatten(mark(this.pool.forward(mark(this.head.forward(h)))), 1));
    return this.fc.forward(mark(this.dropout.forward(h)));
  }
}

keepsNothingWithChildren(RandWireNet);
