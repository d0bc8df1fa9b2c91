/**
 * The worker's side of the RandWire page: the network the settings describe (neurite's RandWireNet, scaled for
 * 28×28 digits as the CLI's randwire-mnist preset is), what the page draws of it (graphs, DOT, degrees, sizes),
 * its multiply–adds per digit, and the learned aggregation weights σ(w) of every edge.
 */
import * as nt from 'neurite/browser';
import type { GraphType, RandwireSettings, StageInfo, StageWeights } from './protocol.js';
import { headWidth } from './settings.js';

type RandWireNet = nt.models.RandWireNet;
type RandWireStage = nt.models.RandWireStage;
type RandWireNode = nt.models.RandWireNode;

/** The generator model of `type` with the settings' parameters. */
export function graphSpec(s: RandwireSettings, type: GraphType = s.graph): nt.models.randwire.GraphSpec {
  if (type === 'ws') return { type: 'ws', k: s.k, p: s.wsP };
  if (type === 'er') return { type: 'er', p: s.erP };
  return { type: 'ba', m: s.m };
}

/**
 * The options of the page's network: the paper's small regime cut down for MNIST (by default conv1 stride 2 and
 * conv2 stride 1 take 28×28 to 14×14 before the first stage, and the classifier's 1×1 convolution has 4C
 * channels; a checkpoint of the CLI's randwire-mnist brings strides 1, 1 and 256). The seed decides every stage's
 * graph and then the weights, as in `RandWireNet`. These are also the options a saved checkpoint records, as the
 * CLI's preset records its own, so `nt.train.loadModel` rebuilds the same network.
 */
export function netOptions(
  s: RandwireSettings,
  type: GraphType = s.graph,
): nt.models.randwire.RandWireNetOptions {
  return {
    graph: graphSpec(s, type),
    nodes: s.nodes,
    channels: s.channels,
    stages: s.stages,
    numClasses: 10,
    inChannels: 1,
    headChannels: headWidth(s),
    stemStrides: [s.stemStrides[0], s.stemStrides[1]],
    seed: s.seed,
  };
}

export function buildNet(s: RandwireSettings, type: GraphType = s.graph): RandWireNet {
  return new nt.models.RandWireNet(netOptions(s, type));
}

export function parameterCount(net: nt.nn.Module): number {
  return net.parameters().reduce((n, p) => n + p.size, 0);
}

/**
 * Multiply–adds of one forward pass of a 28×28 digit: every convolution (weights × output positions), the fully
 * connected layer, and the nodes' weighted sums (one per incoming edge per input element). Batch norm, ReLU and
 * the output nodes' averages are left out, as is usual for FLOP counts. Also returns each stage's output size.
 */
export function countMacs(net: RandWireNet): { macs: number; stageSizes: number[] } {
  let macs = 0;
  const stageSizes: number[] = [];
  const restore: (() => void)[] = [];
  const wrap = (m: nt.nn.Module, after: (args: unknown[], out: nt.Tensor) => void) => {
    const self = m as unknown as { forward: (...args: unknown[]) => nt.Tensor };
    const original = self.forward;
    self.forward = (...args: unknown[]) => {
      const out = original.apply(m, args);
      after(args, out);
      return out;
    };
    restore.push(() => {
      delete (self as { forward?: unknown }).forward;
    });
  };
  for (const m of net.modules()) {
    if (m instanceof nt.nn.Conv2d) {
      wrap(m, (_, out) => {
        macs += m.weight.size * out.shape[2] * out.shape[3];
      });
    } else if (m instanceof nt.nn.Linear) {
      wrap(m, () => {
        macs += m.weight.size;
      });
    } else if (m instanceof nt.models.RandWireNode) {
      wrap(m, (args) => {
        const inputs = args[0] as nt.Tensor[];
        macs += inputs.length * inputs[0].size;
      });
    } else if (m instanceof nt.models.RandWireStage) {
      wrap(m, (_, out) => stageSizes.push(out.shape[2]));
    }
  }
  const modes = net.modules().map((m) => [m, m.training] as const);
  try {
    net.eval();
    nt.noGrad(() => net.forward(nt.zeros([1, 1, 28, 28])));
  } finally {
    for (const r of restore) r();
    for (const [m, t] of modes) m.training = t;
  }
  return { macs, stageSizes };
}

/** What the page shows of each stage. */
export function stageInfos(net: RandWireNet, stageSizes: number[]): StageInfo[] {
  return [...net.stages].map((s, i) => {
    const stage = s as RandWireStage;
    const g = stage.graph;
    return {
      json: g.toJSON(),
      dot: g.toDot({ name: `stage ${i + 1}: ${g.toString()}` }),
      degrees: g.degrees(),
      channelsIn: stage.inChannels,
      channelsOut: stage.outChannels,
      size: stageSizes[i] ?? 0,
    };
  });
}

/**
 * σ(w) of every edge of every stage. Node v's weights follow its predecessors in ascending order (as the stage
 * feeds them), so the weight of edge u → v is entry `predecessors(v).indexOf(u)`; an input node's single weight
 * belongs to the edge from the stage's input node.
 */
export function edgeWeights(net: RandWireNet): StageWeights[] {
  return [...net.stages].map((s) => {
    const stage = s as RandWireStage;
    const g = stage.graph;
    const sig = (v: number) => {
      const node = stage.nodes.at(v) as RandWireNode;
      const w = node.weight.data as Float32Array;
      return Array.from(w, (x) => 1 / (1 + Math.exp(-x)));
    };
    const perNode = Array.from({ length: g.numNodes }, (_, v) => sig(v));
    const edges = new Float32Array(g.edges.length);
    g.edges.forEach(([u, v], i) => {
      edges[i] = perNode[v][g.predecessors(v).indexOf(u)];
    });
    const inputs = Float32Array.from(g.inputs(), (v) => perNode[v][0]);
    return { edges, inputs };
  });
}
