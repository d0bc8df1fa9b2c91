/**
 * The RandWire page's network as a checkpoint of the CLI's `randwire-mnist` preset, and back. Saving records the
 * architecture (RandWireNet's options, for `nt.train.loadModel`) and a `neurite train randwire-mnist` recipe whose
 * flags (--graph --k/--p/--m --nodes --channels --stages --stem-strides --head-channels, the seed) rebuild the same
 * graphs and layers, so `neurite eval` and `neurite export` run a network trained here. Loading reads either back
 * into the page's settings.
 */
import type * as nt from 'neurite/browser';
import { netOptions } from './network.js';
import type { RandwireSettings } from './protocol.js';
import { BATCH_SIZES, BUDGETS, graphLabel, headWidth, LEARNING_RATES } from './settings.js';

const MNIST_MEAN = 0.1307;
const MNIST_STD = 0.3081;

type NetOptions = nt.models.randwire.RandWireNetOptions;

/** What goes into a checkpoint besides the weights. */
export function describeForCheckpoint(s: RandwireSettings, epochs: number) {
  const o = netOptions(s);
  const spec = o.graph as nt.models.randwire.GraphSpec;
  const params =
    spec.type === 'ws' ? { k: spec.k, p: spec.p } : spec.type === 'er' ? { p: spec.p } : { m: spec.m };
  return {
    architecture: { type: 'RandWireNet', options: { ...o } as Record<string, unknown> },
    input: {
      description:
        'MNIST digits: 784 pixels 0–255 per sample (0 = background), as [N, 784], [N, 28, 28] or [N, 1, 28, 28]',
      steps: [
        { type: 'normalize', divide: 255, mean: MNIST_MEAN, std: MNIST_STD },
        { type: 'reshape', shape: [1, 28, 28] },
      ],
    },
    recipe: {
      kind: 'neurite-cli-run',
      version: 1,
      preset: 'randwire-mnist',
      options: {
        graph: spec.type,
        ...params,
        nodes: s.nodes,
        channels: s.channels,
        stages: s.stages,
        headChannels: headWidth(s),
        stemStrides: [...s.stemStrides],
        shift: 0,
      },
      config: null,
      configFile: null,
      baseDir: null,
      training: { epochs, batchSize: s.batchSize, lr: s.lr, seed: s.seed },
      neurite: __NEURITE_VERSION__,
      trainedIn: 'neurite studio',
    },
  };
}

interface Recipe {
  preset?: unknown;
  options?: Record<string, unknown>;
  training?: { lr?: unknown; batchSize?: unknown; epochs?: unknown; seed?: unknown };
}

/** RandWireNet's options as the CLI's preset builds them from its recipe (a checkpoint without an architecture). */
function optionsFromRecipe(r: Recipe): NetOptions {
  const o = r.options ?? {};
  const graph = o.graph ?? 'ws';
  const spec =
    graph === 'er'
      ? { type: 'er' as const, p: (o.p as number) ?? 0.2 }
      : graph === 'ba'
        ? { type: 'ba' as const, m: (o.m as number) ?? 5 }
        : { type: 'ws' as const, k: (o.k as number) ?? 4, p: (o.p as number) ?? 0.75 };
  return {
    graph: spec,
    nodes: (o.nodes as number) ?? 8,
    channels: (o.channels as number) ?? 16,
    stages: (o.stages as number) ?? 3,
    numClasses: 10,
    inChannels: 1,
    headChannels: (o.headChannels as number) ?? 256,
    stemStrides: (o.stemStrides as [number, number]) ?? [1, 1],
    seed: r.training?.seed as number,
  };
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * The page's settings for the network a checkpoint holds (`current` gives what the checkpoint does not say), or an
 * Error naming the checkpoint and, in the user's terms, why the page cannot run it.
 */
export function settingsFromCheckpoint(
  ckpt: nt.train.Checkpoint,
  current: RandwireSettings,
  source: string,
): RandwireSettings {
  const arch = ckpt.architecture;
  const recipe = (ckpt.extra ?? null) as Recipe | null;
  let o: NetOptions;
  if (arch?.type === 'RandWireNet') o = arch.options as NetOptions;
  else if (!arch && recipe?.preset === 'randwire-mnist') o = optionsFromRecipe(recipe);
  else {
    const what = arch
      ? `a ${arch.type}${typeof recipe?.preset === 'string' ? ` (neurite train ${recipe.preset})` : ''}`
      : 'a model the page cannot identify (no architecture recorded)';
    throw new Error(
      `${source} holds ${what}; the RandWire page runs randomly wired networks on MNIST (neurite train randwire-mnist)`,
    );
  }
  const refuse = (why: string) => {
    throw new Error(`${source} holds a RandWireNet the page cannot run: ${why}`);
  };
  if ((o.numClasses ?? 1000) !== 10 || (o.inChannels ?? 3) !== 1) {
    refuse(
      `it classifies ${o.numClasses ?? 1000} classes of ${o.inChannels ?? 3}-channel images, not the 10 digits`,
    );
  }
  if (o.graphs || !o.graph) refuse('its graphs were given edge by edge, not made by a generator from a seed');
  if (!isInt(o.seed, 0, 2 ** 32 - 1)) refuse('it records no seed, so its graphs cannot be made again');
  if (o.dropout) refuse(`it has dropout ${o.dropout} before the classifier; the page's networks have none`);
  const stem = o.stemStrides ?? [2, 2];
  if (!stem.every((v) => v === 1 || v === 2)) refuse(`its stem strides are ${stem.join(', ')}, not 1 or 2`);
  const spec = o.graph as nt.models.randwire.GraphSpec;
  const channels = o.channels ?? 78;
  const head = o.headChannels ?? 1280;
  // the ranges of the CLI's randwire-mnist flags, so that what the page saves again, neurite eval reads
  const sizes: [string, unknown, number, number][] = [
    ['nodes per stage', o.nodes ?? 32, 2, 64],
    ['stages', o.stages ?? 3, 1, 4],
    ['channels C', channels, 2, 256],
    ['head channels', head, 1, 4096],
  ];
  for (const [name, v, min, max] of sizes) {
    if (!isInt(v, min, max)) refuse(`${name} ${String(v)} is outside ${min}–${max}`);
  }
  const t = recipe?.training ?? {};
  const pick = <T>(v: unknown, allowed: readonly T[], fallback: T) =>
    allowed.includes(v as T) ? (v as T) : fallback;
  return {
    ...current,
    graph: spec.type,
    k: spec.type === 'ws' ? spec.k : current.k,
    wsP: spec.type === 'ws' ? spec.p : current.wsP,
    erP: spec.type === 'er' ? spec.p : current.erP,
    m: spec.type === 'ba' ? spec.m : current.m,
    nodes: o.nodes ?? 32,
    stages: o.stages ?? 3,
    channels,
    stemStrides: [stem[0], stem[1]],
    headChannels: head === 4 * channels ? null : head,
    seed: o.seed as number,
    lr: pick(t.lr, LEARNING_RATES, current.lr),
    batchSize: pick(t.batchSize, BATCH_SIZES, current.batchSize),
    epochs: pick(t.epochs, BUDGETS, current.epochs),
  };
}

/** One line about a loaded network: "WS(4, 0.75), 3 stages of 8 nodes, C = 16, stem strides 1, 1, head 256". */
export function describeNetwork(s: RandwireSettings): string {
  return `RandWire ${graphLabel(s)}, ${s.stages} stage${s.stages === 1 ? '' : 's'} of ${s.nodes} nodes, C = ${s.channels}, stem strides ${s.stemStrides.join(', ')}, head ${headWidth(s)}`;
}
