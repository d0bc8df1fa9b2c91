/**
 * The Node side of the training loop: checkpoint and log files, and the live progress bar on terminals.
 * Importing this module (the `neurite/node` entry does) registers them with the browser-safe core, so that
 * `nt.train.saveCheckpoint`, `ModelCheckpoint`, `JsonLinesLogger`, fit's `resumeFrom` and its default progress
 * output work in Node.
 *
 * A checkpoint is a directory (or a `.json` manifest path) holding
 * - `weights-<hash>.safetensors`: the tensors, named by the first 16 hex digits of their SHA-256, and
 * - `checkpoint.json`: the manifest, which names the weights file and its full hash.
 * Both are written to temporary files, flushed and renamed into place, the manifest last; older weights files
 * are removed only after that. A crash at any point therefore leaves the previous manifest pointing at its own
 * intact weights, or the new manifest pointing at the new ones, and loading checks the hash either way.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { FormatError } from '../errors.js';
import { writeFileAtomic } from '../io/file.js';
import { decodeSafetensors, encodeSafetensors, type TensorDict } from '../io/safetensors.js';
import type { BatchLog, Callback, EpochLog, TrainingContext } from './callbacks.js';
import { setTrainPlatform, type Verbosity } from './platform.js';
import { formatMetrics, formatSeconds, LineProgress } from './progress.js';

/** Where checkpoint files go for a path that is a directory or a `.json` manifest. */
function checkpointLayout(path: string): { dir: string; manifest: string; stem: string } {
  if (path.endsWith('.json')) {
    return { dir: dirname(path), manifest: path, stem: basename(path, '.json') };
  }
  return { dir: path, manifest: join(path, 'checkpoint.json'), stem: 'weights' };
}

function ioError(where: string, action: string, e: unknown): FormatError {
  const err = new FormatError(`${where}: cannot ${action}: ${e instanceof Error ? e.message : String(e)}`);
  err.cause = e;
  return err;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function writeCheckpoint(
  path: string,
  tensors: TensorDict,
  manifest: Record<string, unknown>,
): Promise<string> {
  const where = `saveCheckpoint(${path})`;
  const { dir, manifest: manifestPath, stem } = checkpointLayout(path);
  const bytes = encodeSafetensors(tensors, { format: 'pt' });
  const hash = sha256(bytes);
  const weights = `${stem}-${hash.slice(0, 16)}.safetensors`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, weights), bytes);
    const text = `${JSON.stringify({ ...manifest, weights: { file: weights, sha256: hash, bytes: bytes.length } }, null, 1)}\n`;
    await writeFileAtomic(manifestPath, text);
  } catch (e) {
    throw ioError(where, 'write the checkpoint', e);
  }
  // only now may the weights of earlier saves go, with temporary files a crashed save left behind
  const stale = new RegExp(
    `^(${escapeRegExp(stem)}-[0-9a-f]{16}\\.safetensors|\\.(${escapeRegExp(stem)}-[0-9a-f]{16}\\.safetensors|${escapeRegExp(basename(manifestPath))})\\.[0-9a-f]{12}\\.tmp)$`,
  );
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name !== weights && stale.test(name)) await unlink(join(dir, name)).catch(() => {});
  }
  return manifestPath;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function readCheckpoint(
  path: string,
): Promise<{ tensors: TensorDict; manifest: Record<string, unknown>; source: string }> {
  let manifestPath = checkpointLayout(path).manifest;
  if (path.endsWith('.json') === false) {
    const s = await stat(path).catch(() => null);
    if (s?.isFile()) manifestPath = path;
  }
  const source = `loadCheckpoint(${manifestPath})`;
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw missing
      ? new FormatError(
          `${source}: no checkpoint there (the manifest ${basename(manifestPath)} does not exist)`,
        )
      : ioError(source, 'read the manifest', e);
  }
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${source}: the manifest is not valid JSON (${(e as Error).message})`);
  }
  const info = manifest?.weights as { file?: unknown; sha256?: unknown } | undefined;
  if (!info || typeof info.file !== 'string' || typeof info.sha256 !== 'string' || info.file.includes('/')) {
    throw new FormatError(`${source}: the manifest does not name its weights file and hash`);
  }
  const weightsPath = join(dirname(manifestPath), info.file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (e) {
    throw ioError(source, `read the weights file ${info.file}`, e);
  }
  if (sha256(bytes) !== info.sha256) {
    throw new FormatError(
      `${source}: the weights file ${info.file} does not match the manifest's SHA-256; the checkpoint is damaged`,
    );
  }
  const { tensors } = decodeSafetensors(bytes, { source: `${source} ${info.file}` });
  return { tensors, manifest, source };
}

async function writeText(path: string, text: string, append: boolean): Promise<void> {
  const handle = await open(path, append ? 'a' : 'w').catch((e) => {
    throw ioError(`writeText(${path})`, 'open the file', e);
  });
  try {
    if (text) await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/** What progress output needs of a stream: `process.stdout` or anything with `write` (and `isTTY`, `columns`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface TerminalProgressOptions {
  /** Where the bar is drawn (default `process.stdout`). */
  stream?: ProgressStream;
  /** Characters of the bar itself (default 24). */
  barSize?: number;
}

/**
 * A live progress bar per epoch on a terminal (cli-progress), with the running loss and metrics, throughput and
 * the time left; when the epoch ends the bar stays as the epoch's line, with the validation values and the time.
 */
export class TerminalProgress implements Callback {
  private readonly stream: ProgressStream;
  private readonly barSize: number;
  private bar: cliProgress.SingleBar | null = null;
  private lastPayload = 0;

  constructor(options: TerminalProgressOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.barSize = options.barSize ?? 24;
  }

  onEpochBegin(epoch: number, ctx: TrainingContext): void {
    this.bar = new cliProgress.SingleBar({
      stream: this.stream as NodeJS.WritableStream,
      format: `epoch ${epoch}/${ctx.epochs} {bar} {value}/{total}  {stats}  {tail}`,
      barsize: this.barSize,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      // a hidden cursor would stay hidden after Ctrl-C: cli-progress restores it only through SIGINT handlers,
      // which would also stop Ctrl-C from ending the process
      hideCursor: false,
      // a bar forced onto a pipe ('bar' without a terminal) prints a snapshot line every few seconds
      noTTYOutput: this.stream.isTTY !== true,
      clearOnComplete: false,
      linewrap: false,
      fps: 10,
    });
    this.bar.start(ctx.batchesPerEpoch, 0, { stats: '', tail: '' });
    this.lastPayload = 0;
  }

  onBatchEnd(batch: number, log: BatchLog): void {
    if (!this.bar) return;
    const now = performance.now();
    // metrics are computed for display at most ~10 times a second, not for every batch
    if (now - this.lastPayload < 100 && batch < log.batches) {
      this.bar.update(batch);
      return;
    }
    this.lastPayload = now;
    const rate = log.samples / Math.max(log.seconds, 1e-9);
    const eta = (log.seconds / batch) * (log.batches - batch);
    this.bar.update(batch, {
      stats: formatMetrics(log.meanLoss, log.metrics()),
      tail: `${Math.round(rate).toLocaleString('en-US')} samples/s  ETA ${formatSeconds(eta)}`,
    });
  }

  onEpochEnd(_epoch: number, log: EpochLog, ctx: TrainingContext): void {
    if (!this.bar) return;
    let stats = formatMetrics(log.loss, log.metrics);
    if (log.valLoss !== undefined) stats += `  ${formatMetrics(log.valLoss, log.valMetrics ?? {}, 'val_')}`;
    this.bar.update(ctx.batchesPerEpoch, { stats, tail: formatSeconds(log.seconds) });
    this.bar.stop();
    this.bar = null;
  }

  onTrainEnd(_history: unknown, ctx: TrainingContext): void {
    if (ctx.stopReason) this.stream.write(`${ctx.stopReason}\n`);
  }

  onTrainAbort(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/**
 * The reporter Node uses for a verbosity: 'auto' draws a bar when `stream` is a terminal and prints one line
 * per epoch otherwise (CI logs, pipes); 'bar' and 'lines' force one of them.
 */
export function nodeReporter(
  verbose: Exclude<Verbosity, 'silent'>,
  stream: ProgressStream = process.stdout,
): Callback {
  const bar = verbose === 'bar' || (verbose === 'auto' && stream.isTTY === true);
  return bar
    ? new TerminalProgress({ stream })
    : new LineProgress({ write: (line) => stream.write(`${line}\n`) });
}

setTrainPlatform({
  writeCheckpoint,
  readCheckpoint,
  writeText,
  createReporter: (verbose) => nodeReporter(verbose),
});
