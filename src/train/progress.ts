/**
 * Progress reporting for fit. Reporters are ordinary callbacks; this file has the portable one (one plain line
 * per epoch) and the formatting shared with the Node terminal bar, which `neurite/node` registers as the default
 * on terminals.
 */
import type { Callback, EpochLog, TrainingContext } from './callbacks.js';
import { optionalPlatformService, type Verbosity } from './platform.js';

/** A number for a progress line: 4 decimals, or 4 significant digits when that would hide it. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return v.toFixed(4);
}

/** `loss 0.2143  accuracy 0.9381` for the training values of a log, and the validation ones with `val_`. */
export function formatMetrics(loss: number, metrics: Record<string, number>, prefix = ''): string {
  const parts = [`${prefix}loss ${formatValue(loss)}`];
  for (const [k, v] of Object.entries(metrics)) parts.push(`${prefix}${k} ${formatValue(v)}`);
  return parts.join('  ');
}

/** Seconds as `12.3 s`, or `4 min 05 s` past a minute. */
export function formatSeconds(s: number): string {
  if (s < 59.95) return `${s.toFixed(1)} s`;
  // round to whole seconds first, so 119.6 s reads "2 min 00 s" rather than "1 min 60 s"
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  return `${m} min ${String(total - 60 * m).padStart(2, '0')} s`;
}

/** The line printed for an epoch: `epoch 3/10  loss 0.2143  accuracy 0.9381  val_loss 0.2500  …  12.3 s`. */
export function formatEpochLine(log: EpochLog, epochs: number): string {
  const parts = [`epoch ${log.epoch}/${epochs}`, formatMetrics(log.loss, log.metrics)];
  if (log.valLoss !== undefined) parts.push(formatMetrics(log.valLoss, log.valMetrics ?? {}, 'val_'));
  parts.push(formatSeconds(log.seconds));
  return parts.join('  ');
}

export interface LineProgressOptions {
  /** Where lines go (default `console.log`). */
  write?: (line: string) => void;
}

/** Prints one plain line per epoch: for logs, pipes, CI and browsers' consoles. */
export class LineProgress implements Callback {
  private readonly write: (line: string) => void;

  constructor(options: LineProgressOptions = {}) {
    this.write = options.write ?? ((line) => console.log(line));
  }

  onEpochEnd(_epoch: number, log: EpochLog, ctx: TrainingContext): void {
    this.write(formatEpochLine(log, ctx.epochs));
  }

  onTrainEnd(_history: unknown, ctx: TrainingContext): void {
    if (ctx.stopReason) this.write(ctx.stopReason);
  }
}

/**
 * The reporter for a verbosity: nothing for 'silent'; otherwise the host's (Node: a live bar on a terminal,
 * lines when output is piped), or lines through `console.log` where the host has none.
 */
export function createReporter(verbose: Verbosity): Callback | null {
  if (verbose === 'silent') return null;
  const host = optionalPlatformService('createReporter');
  return host ? host(verbose) : new LineProgress();
}
