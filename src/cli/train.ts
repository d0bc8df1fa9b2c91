/**
 * `neurite train <preset | config.json>`: trains a preset or a configured experiment, shows the progress, prints
 * the test metrics and leaves a checkpoint (model, optimiser, schedule, preprocessing, recipe, epoch) in the run
 * folder, from which `--resume` continues exactly — also after the process was killed.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command } from 'commander';
import * as nt from '../node.js';
import { CliError, fmtCount, fmtMetrics, fmtSeconds, Output, parse, usageError } from './common.js';
import type { Experiment, TrainingSettings } from './experiment.js';
import { addPresetFlags, givenPresetFlags, PRESETS } from './presets/index.js';
import { buildExperiment, type Recipe, readCheckpoint, recipeFor, recipeOf, runName } from './run.js';

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  out?: string;
  resume?: boolean;
  force?: boolean;
  limit?: number;
  threads?: number;
  json?: boolean;
  verbose?: boolean;
}

/** What `train --json` prints as its last line. */
export interface TrainResult {
  preset: string;
  epochs: number;
  metrics: Record<string, number>;
  seconds: number;
  checkpoint: string;
}

/** Samples per evaluation batch: evaluation keeps no graph, so larger batches only save time. */
const EVAL_BATCH = 500;
/** Files a run folder holds (what --force clears). */
const RUN_FILE = /^(checkpoint\.json|weights-[0-9a-f]{16}\.safetensors|log\.jsonl|result\.json|\..*\.tmp)$/;

function presetList(): string {
  const width = Math.max(...PRESETS.map((p) => p.name.length));
  return PRESETS.map((p) => `  ${p.name.padEnd(width)}  ${p.description}`).join('\n');
}

export function trainCommand(version: string): Command {
  const cmd = new Command('train')
    .description(
      'train a preset or a JSON-configured experiment, print its test metrics and save a checkpoint',
    )
    .argument('<preset-or-config>', 'a preset name (listed below) or a JSON config file')
    .option(
      '--epochs <n>',
      "epochs to train (default: the preset's; with --resume, the total to reach)",
      parse.positiveInt,
    )
    .option('--batch-size <n>', "samples per batch (default: the preset's)", parse.positiveInt)
    .option('--lr <x>', "learning rate (default: the preset's)", parse.positiveNumber)
    .option('--seed <n>', 'seed of the weights, shuffling and dropout (default 0)', parse.nonNegativeInt)
    .option(
      '--out <dir>',
      'run folder for the checkpoint and logs (default runs/<preset>-<date>-<time>-<milliseconds>)',
    )
    .option(
      '--resume',
      'continue the run in --out (default: the latest runs/<preset>-*) from its last checkpoint',
    )
    .option('--force', 'start over in an --out folder that already holds a run, replacing it')
    .option('--limit <n>', 'train and test on the first N samples only (quick smoke runs)', parse.positiveInt)
    .option(
      '--threads <n>',
      'threads of the native backend (default: NEURITE_NUM_THREADS or all cores)',
      parse.positiveInt,
    )
    .option('--json', 'progress on stderr; the last line of stdout is one JSON object with the results')
    .option('--verbose', 'show stack traces of errors');
  addPresetFlags(cmd);
  cmd.addHelpText(
    'after',
    `
Presets:
${presetList()}

Files in the run folder: checkpoint.json + weights-<hash>.safetensors (the checkpoint), log.jsonl (one JSON line
per epoch), result.json (the final result), graphs/ (randwire-mnist: each stage's graph as DOT and JSON).

Examples:
  neurite train cnn-mnist
  neurite train logreg-xor --crosses --degree 3
  neurite train randwire-mnist --graph ba --m 3 --epochs 4 --out runs/ba
  neurite train cnn-mnist --out runs/lenet --resume      # continue after an interruption
  neurite train my-experiment.json --epochs 20 --json`,
  );
  cmd.action(async (target: string, opts: TrainOptions, command: Command) => {
    await train(target, opts, command, version);
  });
  return cmd;
}

/** `20251126-154301-042`: sortable by time, to the millisecond. */
function stamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${p(d.getMilliseconds(), 3)}`;
}

/**
 * A new run folder `runs/<name>-<stamp>`, created here so that two runs started at the same moment (in one
 * process or two) never share it: the second gets `-1`, `-2`, … after the stamp, which still sorts by time.
 */
export function newRunDir(name: string, root = 'runs', now = new Date()): string {
  mkdirSync(root, { recursive: true });
  const base = join(root, `${slug(name)}-${stamp(now)}`);
  for (let i = 0; ; i++) {
    const dir = i === 0 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

function slug(name: string): string {
  return basename(name)
    .replace(/\.json$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** The newest run folder of a name under runs/ that holds a checkpoint. */
function latestRun(name: string): string | undefined {
  const root = 'runs';
  if (!existsSync(root)) return undefined;
  let best: { dir: string; time: number } | undefined;
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(`${slug(name)}-`)) continue;
    const manifest = join(root, entry, 'checkpoint.json');
    if (!existsSync(manifest)) continue;
    const time = statSync(manifest).mtimeMs;
    if (!best || time > best.time) best = { dir: join(root, entry), time };
  }
  return best?.dir;
}

/** Settings given on the command line must agree with the run being resumed (except the epochs to reach). */
function checkResumable(stored: Recipe, fresh: Recipe, given: Set<string>, dir: string): void {
  const name = runName(stored);
  if (fresh.preset !== stored.preset) {
    throw usageError(`${dir} holds a run of ${name}, not of ${runName(fresh)}`);
  }
  const flags: [keyof TrainingSettings, string][] = [
    ['batchSize', '--batch-size'],
    ['lr', '--lr'],
    ['seed', '--seed'],
    ['limit', '--limit'],
  ];
  for (const [key, flag] of flags) {
    if (given.has(key) && fresh.training[key] !== stored.training[key]) {
      throw usageError(
        `${dir} was trained with ${flag} ${stored.training[key] ?? '(none)'}; resuming with ${fresh.training[key]} would not continue it exactly (leave the flag out, or start a new run)`,
      );
    }
  }
  for (const [key, value] of Object.entries(fresh.options)) {
    if (given.has(key) && JSON.stringify(value) !== JSON.stringify(stored.options[key])) {
      throw usageError(
        `${dir} was trained with ${key} = ${JSON.stringify(stored.options[key])}; it cannot resume with ${JSON.stringify(value)}`,
      );
    }
  }
  if (fresh.config && stored.config) {
    const a = { ...fresh.config, training: { ...fresh.config.training, epochs: 0 } };
    const b = { ...stored.config, training: { ...stored.config.training, epochs: 0 } };
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw usageError(
        `${runName(fresh)} has changed since ${dir} was trained (only training.epochs may change when resuming)`,
      );
    }
  }
}

async function train(target: string, opts: TrainOptions, command: Command, version: string): Promise<void> {
  const out = new Output(opts.json === true);
  const { given, presetFlags } = givenFlags(command);
  if (opts.threads !== undefined) nt.setNumThreads(opts.threads);

  const overrides: Partial<TrainingSettings> = {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    lr: opts.lr,
    seed: opts.seed,
    limit: opts.limit,
  };
  const fresh = recipeFor(target, presetFlags, overrides, version).recipe;
  const name = runName(fresh);
  if (opts.resume && opts.force)
    throw usageError('--resume and --force contradict each other: continue the run, or replace it');
  const run = opts.resume ? await resumeRun(name, fresh, opts, given) : freshRun(name, fresh, opts);
  const { dir, resumeFrom } = run;
  let recipe = run.recipe;

  const settings = recipe.training;
  nt.manualSeed(settings.seed);
  const restored = resumeFrom
    ? { preprocessing: resumeFrom.preprocessing ?? {}, info: recipe.info ?? {} }
    : undefined;
  const exp = buildExperiment(recipe, restored);
  const data = exp.data();
  recipe = { ...recipe, info: exp.info() };
  mkdirSync(dir, { recursive: true });
  if (!resumeFrom) exp.onStart?.(dir);

  const optimizer = exp.solve ? null : exp.makeOptimizer(settings.lr);
  const scheduler = optimizer && exp.makeScheduler ? exp.makeScheduler(optimizer, settings.epochs) : null;
  header(out, name, exp, data, settings, optimizer, scheduler, dir, resumeFrom);

  const started = performance.now();
  const history = exp.solve
    ? await solve(exp, data, dir, recipe, resumeFrom, out)
    : await fitInterruptibly(target, exp, data, settings, recipe, dir, optimizer, scheduler, resumeFrom, out);
  const trainXY = data.train as nt.train.XY;
  if (!exp.solve && exp.checkFit && nt.isTensor(trainXY.x) && nt.isTensor(trainXY.y)) {
    const warning = exp.checkFit(trainXY);
    if (warning) process.stderr.write(`warning: ${warning}\n`);
  }
  await report(out, name, exp, data, history, dir, resumeFrom, started, opts.json === true);
}

/** The training settings and preset options given on the command line (which a resumed run must agree with). */
function givenFlags(command: Command): {
  given: Set<string>;
  presetFlags: ReturnType<typeof givenPresetFlags>;
} {
  const given = new Set(
    ['epochs', 'batchSize', 'lr', 'seed', 'limit'].filter((k) => command.getOptionValueSource(k) === 'cli'),
  );
  const presetFlags = givenPresetFlags(command);
  for (const k of Object.keys(presetFlags)) given.add(k);
  return { given, presetFlags };
}

interface RunFolder {
  dir: string;
  recipe: Recipe;
  resumeFrom?: nt.train.Checkpoint;
}

/**
 * `--resume`: the run folder (--out, or the latest run of the preset), its checkpoint, and its stored recipe with
 * the epochs to reach; the command line must agree with the stored settings.
 */
async function resumeRun(
  name: string,
  fresh: Recipe,
  opts: TrainOptions,
  given: Set<string>,
): Promise<RunFolder> {
  const dir = opts.out ?? latestRun(name);
  if (dir === undefined)
    throw usageError(`no run of ${name} to resume under runs/; give its folder with --out`);
  if (!existsSync(join(dir, 'checkpoint.json'))) {
    throw new CliError(
      `${dir}: no checkpoint to resume (checkpoint.json is missing); train without --resume to start the run`,
    );
  }
  const resumeFrom = await readCheckpoint(dir);
  const stored = recipeOf(resumeFrom, dir);
  checkResumable(stored, fresh, given, dir);
  const epochs = opts.epochs ?? stored.training.epochs;
  if (epochs < resumeFrom.epoch) {
    throw usageError(`${dir} is at epoch ${resumeFrom.epoch} already; --epochs ${epochs} would go back`);
  }
  return { dir, resumeFrom, recipe: { ...stored, training: { ...stored.training, epochs } } };
}

/** A new run: its folder (--out, or a fresh one under runs/), never clobbering a run unless --force clears it. */
function freshRun(name: string, recipe: Recipe, opts: TrainOptions): RunFolder {
  const dir = opts.out ?? newRunDir(name);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new CliError(`${dir} exists and is not a folder`);
    const entries = readdirSync(dir);
    if (entries.length > 0) {
      if (!opts.force) {
        const run = entries.includes('checkpoint.json') ? 'already holds a run' : 'is not empty';
        throw usageError(`${dir} ${run}; pass --resume to continue it or --force to start over`);
      }
      for (const e of entries) if (RUN_FILE.test(e)) rmSync(join(dir, e), { force: true });
      rmSync(join(dir, 'graphs'), { recursive: true, force: true });
    }
  }
  return { dir, recipe };
}

/** {@link fitRun}, saying on Ctrl-C or SIGTERM which epoch the run folder holds and how to resume it. */
async function fitInterruptibly(
  target: string,
  exp: Experiment,
  data: ReturnType<Experiment['data']>,
  settings: TrainingSettings,
  recipe: Recipe,
  dir: string,
  optimizer: nt.optim.AnyOptimizer | null,
  scheduler: nt.train.Scheduler | null,
  resumeFrom: nt.train.Checkpoint | undefined,
  out: Output,
): Promise<nt.train.History> {
  const lastEpoch = { value: resumeFrom?.epoch ?? 0 };
  const interrupt = onInterrupt(() => {
    const done = lastEpoch.value;
    process.stderr.write(
      done > 0
        ? `\ninterrupted: ${join(dir, 'checkpoint.json')} holds epoch ${done}, intact; resume with: neurite train ${target} --out ${dir} --resume\n`
        : `\ninterrupted before the first epoch ended: nothing was saved to resume; train again to start over\n`,
    );
  });
  try {
    return await fitRun(
      exp,
      data,
      settings,
      recipe,
      dir,
      optimizer as nt.optim.AnyOptimizer,
      scheduler,
      resumeFrom,
      out,
      lastEpoch,
    );
  } finally {
    interrupt.dispose();
  }
}

/** The test metrics and where the run was saved, on the terminal and in result.json (and as JSON with --json). */
async function report(
  out: Output,
  name: string,
  exp: Experiment,
  data: ReturnType<Experiment['data']>,
  history: nt.train.History,
  dir: string,
  resumeFrom: nt.train.Checkpoint | undefined,
  started: number,
  json: boolean,
): Promise<void> {
  const metrics = await exp.evaluate(data.test, EVAL_BATCH);
  const trainingSeconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
  const epochs = history.epochs.at(-1)?.epoch ?? 0;
  if (history.stopReason) out.say(history.stopReason);
  const unit = exp.task === 'language-model' ? 'characters' : data.testSize === 1 ? 'sample' : 'samples';
  out.say(`test      ${fmtMetrics(metrics)}  (${fmtCount(data.testSize)} ${unit})`);
  out.say(
    `saved     ${join(dir, 'checkpoint.json')} (epoch ${epochs}, ${fmtSeconds(trainingSeconds)} of training` +
      `${resumeFrom ? `, ${fmtSeconds((performance.now() - started) / 1000)} in this session` : ''})`,
  );
  const result: TrainResult = {
    preset: name,
    epochs,
    metrics,
    seconds: Math.round(trainingSeconds * 1000) / 1000,
    checkpoint: dir,
  };
  await nt.writeFileAtomic(join(dir, 'result.json'), `${JSON.stringify(result, null, 1)}\n`);
  if (json) out.result(result);
}

function header(
  out: Output,
  name: string,
  exp: Experiment,
  data: ReturnType<Experiment['data']>,
  s: TrainingSettings,
  optimizer: nt.optim.AnyOptimizer | null,
  scheduler: nt.train.Scheduler | null,
  dir: string,
  resumeFrom: nt.train.Checkpoint | undefined,
): void {
  const params = exp.model.numParameters();
  const backend = nt.getBackend().name;
  const threads = backend === 'native' ? ` (${nt.getNumThreads()} threads)` : '';
  const how = optimizer
    ? `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, batch ${s.batchSize}, ${optimizer.constructor.name} lr ${s.lr}` +
      `${scheduler ? `, ${scheduler.constructor.name}` : ''}${exp.clipGradNorm ? `, gradients clipped to ${exp.clipGradNorm}` : ''}`
    : 'closed-form / full-batch solver';
  out.say(`${name}: ${exp.title}`);
  out.say(`  data      ${data.description}`);
  out.say(`  model     ${exp.model.constructor.name}, ${fmtCount(params)} parameters`);
  out.say(`  training  ${how}, seed ${s.seed}, ${backend} backend${threads}`);
  out.say(`  run       ${dir}${resumeFrom ? ` (resuming after epoch ${resumeFrom.epoch})` : ''}`);
  for (const note of exp.notes ?? []) out.say(`  ${note}`);
}

function callbacksFor(
  exp: Experiment,
  recipe: Recipe,
  dir: string,
): { callbacks: nt.train.Callback[]; checkpoint: nt.train.ModelCheckpoint; early?: nt.train.EarlyStopping } {
  const callbacks: nt.train.Callback[] = [];
  const es = recipe.config?.training.earlyStopping;
  let early: nt.train.EarlyStopping | undefined;
  if (es) {
    early = new nt.train.EarlyStopping({
      monitor: es.monitor,
      patience: es.patience,
      minDelta: es.minDelta,
      restoreBestWeights: es.restoreBestWeights,
    });
    callbacks.push(early);
  }
  callbacks.push(new nt.train.JsonLinesLogger(join(dir, 'log.jsonl')));
  const checkpoint = new nt.train.ModelCheckpoint({
    path: dir,
    preprocessing: exp.preprocessing(),
    extra: recipe,
  });
  callbacks.push(checkpoint);
  return { callbacks, checkpoint, early };
}

/**
 * Ctrl-C (SIGINT) or SIGTERM while training: `say` tells how to resume, then the process ends with the shell's
 * status for the signal (130 / 143). Checkpoints are written atomically, so the last finished epoch's is intact.
 */
function onInterrupt(say: () => void): { dispose(): void } {
  const handler = (signal: NodeJS.Signals) => {
    say();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return {
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

async function fitRun(
  exp: Experiment,
  data: ReturnType<Experiment['data']>,
  s: TrainingSettings,
  recipe: Recipe,
  dir: string,
  optimizer: nt.optim.AnyOptimizer,
  scheduler: nt.train.Scheduler | null,
  resumeFrom: nt.train.Checkpoint | undefined,
  out: Output,
  lastEpoch: { value: number },
): Promise<nt.train.History> {
  const { callbacks, early } = callbacksFor(exp, recipe, dir);
  // the checkpoint callback has saved the epoch when this runs (it runs last): what an interruption can resume
  callbacks.push({
    runsLast: true,
    onEpochEnd: (epoch: number) => {
      lastEpoch.value = epoch;
    },
  } as nt.train.Callback);
  if (resumeFrom && resumeFrom.epoch >= s.epochs) {
    out.say(
      `the run reached epoch ${resumeFrom.epoch} already; evaluating it (raise --epochs to train further)`,
    );
  }
  const history = await nt.train.fit(exp.model, data.train, {
    epochs: s.epochs,
    batchSize: s.batchSize,
    optimizer,
    scheduler: scheduler ?? undefined,
    loss: exp.loss,
    metrics: exp.metrics(),
    forward: exp.forward,
    clipGradNorm: exp.clipGradNorm,
    validationSplit: recipe.config?.training.validationSplit,
    validationBatchSize: EVAL_BATCH,
    callbacks,
    seed: s.seed,
    reporter: nt.nodeReporter('auto', out.humanStream),
    resumeFrom,
  });
  if (early?.restoreBestWeights && early.bestEpoch > 0 && early.bestEpoch !== history.epochs.at(-1)?.epoch) {
    // the model now holds its best epoch's weights: keep those in the run folder too
    await nt.train.saveCheckpoint(dir, {
      model: exp.model,
      optimizer,
      scheduler,
      epoch: history.epochs.at(-1)?.epoch ?? 0,
      history,
      preprocessing: exp.preprocessing(),
      extra: recipe,
    });
    out.say(`kept the weights of epoch ${early.bestEpoch}, the best by ${early.monitor}`);
  }
  return history;
}

async function solve(
  exp: Experiment,
  data: ReturnType<Experiment['data']>,
  dir: string,
  recipe: Recipe,
  resumeFrom: nt.train.Checkpoint | undefined,
  out: Output,
): Promise<nt.train.History> {
  if (resumeFrom) {
    // fit restores the weights of a resumed run itself; a solved run never goes through fit, so load them here
    nt.train.restoreCheckpoint(resumeFrom, { model: exp.model, rng: false });
    out.say('the run was solved in closed form already; evaluating it');
    return resumeFrom.history ?? { epochs: [] };
  }
  const start = performance.now();
  await (exp.solve as () => Promise<void>)();
  const seconds = (performance.now() - start) / 1000;
  const train = data.train as nt.train.XY;
  const m = await exp.evaluate(train, EVAL_BATCH);
  const { loss, ...metrics } = m;
  const history: nt.train.History = { epochs: [{ epoch: 1, loss, metrics, lr: 0, seconds }] };
  out.say(`solved    train ${fmtMetrics(m)}  ${fmtSeconds(seconds)}`);
  await nt.train.saveCheckpoint(dir, {
    model: exp.model,
    epoch: 1,
    history,
    preprocessing: exp.preprocessing(),
    extra: recipe,
  });
  return history;
}
