/**
 * The char-RNN page's training worker: a character-level language model (neurite's CharRNN, as the CLI's charrnn
 * preset builds it) learns a novel that ships with neurite (served by `neurite studio` from data/text/austen) or the
 * reader's own text. The training text is cut into parallel streams read a chunk at a time, the recurrent state
 * carried from chunk to chunk (truncated backpropagation through time); the held-out text is scored in bits per
 * character every 50 steps against the bigram baseline, and the model writes a sample every few steps. The latest
 * state goes to the page at most every 150 ms.
 */
import * as nt from 'neurite/browser';
import {
  CELLS,
  type CharRnnRecord,
  type CharRnnSample,
  type CharRnnSettings,
  type CharRnnState,
  type FromCharRnnWorker,
  NOVELS,
  type Novel,
  type SampleSettings,
  type TextInfo,
  type TextSource,
  type ToCharRnnWorker,
} from '../charrnn/protocol.js';
import { HIDDEN_SIZES, LAYERS, LEARNING_RATES } from '../charrnn/settings.js';
import { decodeCheckpointFiles, encodeModelCheckpoint } from './checkpoint.js';
import { serve } from './serve.js';

const POST_MS = 150;
/** The share of the text (its end) held out, as the CLI's charrnn preset holds it out. */
const TEST_FRACTION = 0.1;
/** Held-out characters scored (from the start of the held-out part): enough for a steady figure, fast to score. */
const EVAL_CHARS = 16_384;
const EVAL_EVERY = 50;
/** Training bits per character are averaged over this many steps per point of the curve. */
const TRAIN_EVERY = 10;
const EMBED_DIM = 32;
const CLIP_NORM = 1;
const SAMPLE_LENGTH = 300;
/** Next-character candidates shown after the prime. */
const NEXT_SHOWN = 8;

const post = (msg: FromCharRnnWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(msg, transfer);

interface Corpus {
  key: string;
  title: string;
  text: string;
  vocab: nt.data.CharVocab;
  ids: Int32Array;
  train: Int32Array;
  heldOut: Int32Array;
  evalIds: Int32Array;
  bigram: number;
}

interface Run {
  settings: CharRnnSettings;
  corpus: Corpus;
  embedDim: number;
  model: nt.models.CharRNN;
  optimizer: nt.optim.Adam;
  streams: number;
  perStream: number;
  stepsPerEpoch: number;
  /** Position of the next chunk within each stream. */
  cursor: number;
  state: nt.models.seq.RecurrentState | undefined;
  step: number;
  characters: number;
  seconds: number;
  bitsSum: number;
  bitsSteps: number;
  records: CharRnnRecord[];
  test: CharRnnState['test'];
  sample: CharRnnSample | null;
}

const corpora = new Map<string, Corpus>();
let run: Run | null = null;
let sampling: SampleSettings = { temperature: 0.8, prime: '', every: 50 };
let running = false;
let loopActive = false;
let rate = 0;
let stepRate = 0;

function sourceKey(source: TextSource): string {
  return source.kind === 'novel' ? `novel:${source.name}` : `file:${source.name}:${source.text.length}`;
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok || !res.body) {
    throw new Error(`cannot load ${new URL(url).pathname}: the server answered ${res.status}`);
  }
  const bytes = await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * The text of a source, encoded with its own vocabulary, or with `fixed` (a loaded model's, which must hold every
 * character of the text).
 */
async function loadCorpus(source: TextSource, fixed?: nt.data.CharVocab): Promise<Corpus> {
  const key = `${sourceKey(source)}${fixed ? `|${JSON.stringify(fixed.tokens)}` : ''}`;
  const cached = corpora.get(key);
  if (cached) return cached;
  const text = source.kind === 'novel' ? await fetchText(source.url) : source.text;
  const vocab = fixed ?? nt.data.CharVocab.fromText(text);
  const ids = vocab.encode(text);
  const cut = Math.floor(ids.length * (1 - TEST_FRACTION));
  const train = ids.subarray(0, cut);
  const heldOut = ids.subarray(cut);
  const evalIds = heldOut.subarray(0, Math.min(EVAL_CHARS, heldOut.length));
  const corpus: Corpus = {
    key,
    title: source.name,
    text,
    vocab,
    ids,
    train,
    heldOut,
    evalIds,
    bigram: nt.models.seq.bigramBitsPerCharacter(train, evalIds, vocab.size),
  };
  // the reader's files are kept only while they are the one in use
  for (const k of corpora.keys()) if (k.startsWith('file:') || k.includes('|')) corpora.delete(k);
  corpora.set(key, corpus);
  return corpus;
}

function architecture(s: CharRnnSettings, v: number, embedDim: number): string {
  const cell = s.cell.toUpperCase();
  const rnn = `${cell} ${embedDim}→${s.hiddenSize}${s.layers > 1 ? ` ×${s.layers} layers` : ''}`;
  return `Embedding ${v}→${embedDim} · ${rnn} · Linear ${s.hiddenSize}→${v}`;
}

function setup(settings: CharRnnSettings, corpus: Corpus, embedDim = EMBED_DIM): Run {
  const model = new nt.models.CharRNN({
    vocabSize: corpus.vocab.size,
    embedDim,
    hiddenSize: settings.hiddenSize,
    numLayers: settings.layers,
    cell: settings.cell,
    generator: new nt.Generator(settings.seed),
  });
  // each stream needs at least one chunk; a short text of one's own gets fewer streams
  const n = corpus.train.length;
  const streams = Math.max(1, Math.min(settings.batchSize, Math.floor((n - 1) / settings.seqLength)));
  const perStream = Math.floor((n - 1) / streams);
  return {
    settings,
    corpus,
    embedDim,
    model,
    optimizer: new nt.optim.Adam(model.parameters(), { lr: settings.lr }),
    streams,
    perStream,
    stepsPerEpoch: Math.ceil(perStream / settings.seqLength),
    cursor: 0,
    state: undefined,
    step: 0,
    characters: 0,
    seconds: 0,
    bitsSum: 0,
    bitsSteps: 0,
    records: [],
    test: null,
    sample: null,
  };
}

const epochOf = (r: Run) => r.step / r.stepsPerEpoch;

/** One step: the next chunk of every stream, the loss in bits, a gradient step with the norm clipped. */
function trainStep(r: Run): void {
  const T = Math.min(r.settings.seqLength, r.perStream - r.cursor);
  const B = r.streams;
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  const ids = r.corpus.train;
  for (let b = 0; b < B; b++) {
    const base = b * r.perStream + r.cursor;
    for (let t = 0; t < T; t++) {
      x[b * T + t] = ids[base + t];
      y[b * T + t] = ids[base + t + 1];
    }
  }
  r.model.train();
  const [logits, state] = r.model.forward(new nt.Tensor(x, [B, T]), r.state);
  const loss = nt.models.seq.sequenceCrossEntropy(logits, new nt.Tensor(y, [B, T]));
  r.optimizer.zeroGrad();
  loss.backward();
  nt.optim.clipGradNorm(r.model.parameters(), CLIP_NORM);
  r.optimizer.step();
  const value = loss.item();
  if (!Number.isFinite(value)) {
    throw new Error(
      `the training loss became ${value} at step ${r.step + 1}: the learning rate (${r.settings.lr}) is too high; lower it and reset`,
    );
  }
  r.cursor += T;
  // the state runs on into the next chunk of the same streams, without its history; a new epoch starts afresh
  r.state = r.cursor >= r.perStream ? undefined : nt.models.seq.detachState(state);
  if (r.cursor >= r.perStream) r.cursor = 0;
  r.step++;
  r.characters += B * T;
  r.bitsSum += value / Math.LN2;
  r.bitsSteps++;
  if (r.bitsSteps >= TRAIN_EVERY) flushTrain(r);
  if (r.step % EVAL_EVERY === 0 || r.step === r.settings.steps) evaluate(r);
  if (r.step % sampling.every === 0 || r.step === r.settings.steps) r.sample = sample(r);
}

function flushTrain(r: Run): void {
  if (r.bitsSteps === 0) return;
  r.records.push({ epoch: epochOf(r), train: r.bitsSum / r.bitsSteps, test: null });
  r.bitsSum = 0;
  r.bitsSteps = 0;
}

function evaluate(r: Run): void {
  if (r.test?.step === r.step) return;
  const bits = r.model.bitsPerCharacter(r.corpus.evalIds, { batchSize: 32, seqLength: 128 });
  flushTrain(r);
  r.records.push({ epoch: epochOf(r), train: null, test: bits });
  r.test = { step: r.step, bits };
}

/** The seed of the sample drawn at a step: `neurite sample --seed` with it repeats the draws. */
const sampleSeed = (r: Run) => r.settings.seed * 100_000 + r.step;

function sample(r: Run): CharRnnSample {
  const vocab = r.corpus.vocab;
  const requested = sampling.prime;
  const unknown = [...new Set([...requested].filter((c) => !vocab.has(c)))];
  const fallback = vocab.has('\n') ? '\n' : vocab.chars[0];
  const prime = requested === '' || unknown.length > 0 ? fallback : requested;
  const seed = sampleSeed(r);
  const primeIds = vocab.encode(prime);
  const ids = r.model.sampleIds(primeIds, {
    length: SAMPLE_LENGTH,
    temperature: sampling.temperature,
    generator: new nt.Generator(seed),
  });
  return {
    step: r.step,
    temperature: sampling.temperature,
    prime,
    text: vocab.decode(ids),
    seed,
    unknown,
    next: nextCharacters(r, primeIds, sampling.temperature),
  };
}

/** The model's distribution of the character after the prime, at temperature 1 and at `temperature`. */
function nextCharacters(r: Run, primeIds: Int32Array, temperature: number): CharRnnSample['next'] {
  const V = r.corpus.vocab.size;
  r.model.eval();
  const logits = nt.noGrad(() => r.model.forward(new nt.Tensor(primeIds, [1, primeIds.length]))[0]);
  r.model.train();
  const last = logits.data.subarray((primeIds.length - 1) * V, primeIds.length * V);
  const softmax = (t: number) => {
    let max = Number.NEGATIVE_INFINITY;
    for (const v of last) max = Math.max(max, v);
    const e = Array.from(last, (v) => Math.exp((v - max) / t));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  };
  const p = softmax(1);
  const pT = softmax(temperature);
  return Array.from({ length: V }, (_, i) => i)
    .sort((a, b) => p[b] - p[a])
    .slice(0, NEXT_SHOWN)
    .map((i) => ({ char: r.corpus.vocab.tokens[i], p: p[i], pT: pT[i] }));
}

function postState(r: Run): void {
  const state: CharRnnState = {
    type: 'state',
    running,
    done: r.step >= r.settings.steps,
    step: r.step,
    epoch: epochOf(r),
    characters: r.characters,
    charactersPerSecond: running ? rate : 0,
    stepsPerSecond: running ? stepRate : 0,
    seconds: r.seconds,
    records: r.records,
    test: r.test,
    sample: r.sample,
  };
  post(state);
  r.records = [];
}

function postText(r: Run): void {
  const c = r.corpus;
  const info: TextInfo = {
    type: 'text',
    title: c.title,
    characters: c.ids.length,
    vocab: [...c.vocab.tokens],
    trainCharacters: c.train.length,
    heldOutCharacters: c.heldOut.length,
    evalCharacters: c.evalIds.length,
    bigram: c.bigram,
    uniform: Math.log2(c.vocab.size),
    excerpt: [...c.text.slice(0, 1200)].slice(0, 1000).join(''),
    streams: r.streams,
    stepsPerEpoch: r.stepsPerEpoch,
    parameters: r.model.numParameters(),
    architecture: architecture(r.settings, c.vocab.size, r.embedDim),
  };
  post(info);
}

async function loop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  try {
    let last = performance.now();
    let charsAtLast = run?.characters ?? 0;
    let stepsAtLast = run?.step ?? 0;
    while (running && run) {
      const r = run;
      if (r.step >= r.settings.steps) {
        running = false;
        flushTrain(r);
        postState(r);
        break;
      }
      const t0 = performance.now();
      trainStep(r);
      const now = performance.now();
      r.seconds += (now - t0) / 1000;
      if (now - last >= POST_MS) {
        const dt = (now - last) / 1000;
        const chars = (r.characters - charsAtLast) / dt;
        const steps = (r.step - stepsAtLast) / dt;
        rate = rate === 0 ? chars : 0.7 * rate + 0.3 * chars;
        stepRate = stepRate === 0 ? steps : 0.7 * stepRate + 0.3 * steps;
        last = now;
        charsAtLast = r.characters;
        stepsAtLast = r.step;
        postState(r);
        // let the page's messages (pause, a new temperature) in
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  } catch (e) {
    running = false;
    post({ type: 'error', message: (e as Error)?.message ?? String(e) });
  } finally {
    loopActive = false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// checkpoints: the page's model as the CLI's charrnn preset builds it, its vocabulary in the preprocessing

async function save(r: Run): Promise<void> {
  const s = r.settings;
  const epochs = Math.floor(r.step / r.stepsPerEpoch);
  const options = {
    vocabSize: r.corpus.vocab.size,
    embedDim: r.embedDim,
    hiddenSize: s.hiddenSize,
    numLayers: s.layers,
    cell: s.cell,
    dropout: 0,
  };
  const novel = s.corpus === 'file' ? null : s.corpus;
  const recipe = {
    kind: 'neurite-cli-run',
    version: 1,
    preset: 'charrnn',
    options: {
      // a text of one's own is not a corpus the CLI knows: the vocabulary saved with the model is what counts
      corpus: novel ?? 'pride-and-prejudice',
      cell: s.cell,
      hiddenSize: s.hiddenSize,
      layers: s.layers,
      embedDim: r.embedDim,
      seqLength: s.seqLength,
      dropout: 0,
    },
    config: null,
    configFile: null,
    baseDir: null,
    training: { epochs, batchSize: s.batchSize, lr: s.lr, seed: s.seed },
    neurite: __NEURITE_VERSION__,
    trainedIn: 'neurite studio',
    trainedOn: novel ?? `${r.corpus.title} ${OWN_TEXT}`,
    steps: r.step,
  };
  const files = await encodeModelCheckpoint({
    model: r.model,
    epoch: epochs,
    architecture: { type: 'CharRNN', options },
    preprocessing: { vocab: r.corpus.vocab.toJSON() },
    extra: recipe,
  });
  post({ type: 'saved', ...files }, [files.weights.buffer]);
}

const OWN_TEXT = "(a text of the reader's own)";

/**
 * A CharRNN checkpoint (from `neurite train charrnn` or saved by this page) as a new run: its vocabulary, layers
 * and weights, on the text it was trained on (its novel; the whole-Austen corpus is scored on Pride and Prejudice;
 * a text of one's own must be on the page first). Every problem is an Error in the reader's terms.
 */
async function load(msg: Extract<ToCharRnnWorker, { type: 'load' }>): Promise<void> {
  const source = msg.source;
  const ckpt = await decodeCheckpointFiles(msg.manifestText, new Uint8Array(msg.weights), source);
  const recipe = ckpt.extra as {
    preset?: string;
    options?: { corpus?: string };
    training?: { lr?: number };
    trainedOn?: string;
  } | null;
  const arch = ckpt.architecture;
  if (arch?.type !== 'CharRNN') {
    const what = arch
      ? `a ${arch.type}${recipe?.preset ? ` (neurite train ${recipe.preset})` : ''}`
      : 'a model the page cannot identify (no architecture recorded)';
    throw new Error(
      `${source} holds ${what}; the char-RNN page runs CharRNN checkpoints (neurite train charrnn, or saved here)`,
    );
  }
  const o = (arch.options ?? {}) as {
    embedDim?: number;
    hiddenSize?: number;
    numLayers?: number;
    cell?: string;
  };
  const cell = (o.cell ?? 'lstm') as CharRnnSettings['cell'];
  const layers = o.numLayers ?? 1;
  if (!CELLS.includes(cell) || !HIDDEN_SIZES.includes(o.hiddenSize ?? -1) || !LAYERS.includes(layers)) {
    throw new Error(
      `${source} holds a ${String(o.cell).toUpperCase()} of ${o.hiddenSize} units in ${layers} layer${layers === 1 ? '' : 's'}; the page runs ${HIDDEN_SIZES.join('/')} units in ${LAYERS.join('/')} layers`,
    );
  }
  const saved = ckpt.preprocessing?.vocab as nt.data.CharVocabJSON | undefined;
  if (!saved) throw new Error(`${source}: the checkpoint holds no vocabulary (preprocessing.vocab)`);
  let vocab: nt.data.CharVocab;
  try {
    vocab = nt.data.CharVocab.fromJSON(saved);
  } catch (e) {
    throw new Error(`${source}: its vocabulary is damaged: ${(e as Error).message}`);
  }
  const own = recipe?.trainedOn?.endsWith(OWN_TEXT) === true;
  let text: TextSource;
  if (own) {
    if (!msg.userText) {
      throw new Error(
        `${source} was trained on a text of your own (${recipe?.trainedOn?.replace(` ${OWN_TEXT}`, '')}): drop that text on the page first, then load the checkpoint`,
      );
    }
    text = { kind: 'file', ...msg.userText };
  } else {
    const corpus = recipe?.options?.corpus ?? 'pride-and-prejudice';
    const name = (NOVELS as readonly string[]).includes(corpus) ? (corpus as Novel) : 'pride-and-prejudice';
    text = { kind: 'novel', name, url: new URL(`${name}.txt.gz`, msg.novels).href };
  }
  let corpus: Corpus;
  try {
    corpus = await loadCorpus(text, vocab);
  } catch (e) {
    throw new Error(`${source}: its vocabulary cannot spell ${text.name}: ${(e as Error).message}`);
  }
  const lr = recipe?.training?.lr;
  const settings: CharRnnSettings = {
    ...msg.settings,
    corpus: own ? 'file' : (text.name as Novel),
    cell,
    hiddenSize: o.hiddenSize!,
    layers,
    lr: typeof lr === 'number' && LEARNING_RATES.includes(lr) ? lr : msg.settings.lr,
  };
  const next = setup(settings, corpus, o.embedDim ?? EMBED_DIM);
  try {
    next.model.loadStateDict(ckpt.model);
  } catch (e) {
    throw new Error(`${source}: the weights do not fit the model: ${(e as Error).message}`);
  }
  running = false;
  sampling = msg.sample;
  run = next;
  rate = 0;
  stepRate = 0;
  const trained = ckpt.epoch > 0 ? `, trained ${ckpt.epoch} epoch${ckpt.epoch === 1 ? '' : 's'}` : '';
  post({
    type: 'loaded',
    settings,
    description: `${source}: CharRNN (${cell.toUpperCase()} ${o.hiddenSize}${layers > 1 ? ` × ${layers}` : ''}, ${vocab.size} symbols)${trained}, on ${own ? msg.userText!.name : text.name}`,
  });
  postText(run);
  evaluate(run);
  run.sample = sample(run);
  postState(run);
}

async function handle(msg: ToCharRnnWorker): Promise<void> {
  switch (msg.type) {
    case 'setup': {
      running = false;
      sampling = msg.sample;
      let corpus: Corpus;
      try {
        corpus = await loadCorpus(msg.source);
      } catch (e) {
        run = null;
        post({ type: 'text-error', message: (e as Error).message });
        return;
      }
      run = setup(msg.settings, corpus);
      rate = 0;
      stepRate = 0;
      postText(run);
      evaluate(run);
      run.sample = sample(run);
      postState(run);
      break;
    }
    case 'play':
      if (!run) return;
      running = true;
      void loop();
      break;
    case 'pause':
      running = false;
      if (run) {
        flushTrain(run);
        postState(run);
      }
      break;
    case 'step':
      if (!run || run.step >= run.settings.steps) return;
      running = false;
      trainStep(run);
      flushTrain(run);
      postState(run);
      break;
    case 'sample':
      sampling = msg.sample;
      if (run) {
        run.sample = sample(run);
        if (!running) postState(run);
      }
      break;
    case 'save':
      if (run) await save(run);
      break;
    case 'load':
      try {
        await load(msg);
      } catch (e) {
        post({ type: 'load-error', message: (e as Error).message });
      }
      break;
  }
}

// the backend is chosen first; then messages are handled one at a time, in order (setup awaits the text)
serve(post, handle, (message) => {
  running = false;
  post({ type: 'error', message });
});
