/**
 * The services of the training loop that need the host: files for checkpoints and logs, and the terminal for
 * progress bars. The core stays browser-safe by calling them through this registry; the Node entry
 * (`neurite/node`, which `neurite` resolves to in Node) registers the Node implementations when it loads.
 */
import { ValueError } from '../errors.js';
import type { TensorDict } from '../io/safetensors.js';
import type { Callback } from './types.js';

/** How much progress to show: see {@link FitOptions.verbose}. */
export type Verbosity = 'auto' | 'bar' | 'lines' | 'silent';

export interface TrainPlatform {
  /**
   * Writes a checkpoint atomically: the tensors as safetensors and the manifest (JSON) that references them,
   * the manifest last. `path` is a directory or a `.json` manifest path. Returns the manifest's path.
   */
  writeCheckpoint(path: string, tensors: TensorDict, manifest: Record<string, unknown>): Promise<string>;
  /** Reads what {@link writeCheckpoint} wrote, checking the weights against the manifest's hash. */
  readCheckpoint(
    path: string,
  ): Promise<{ tensors: TensorDict; manifest: Record<string, unknown>; source: string }>;
  /** Writes (or with `append`, appends) text to a file, creating it if needed. */
  writeText(path: string, text: string, append: boolean): Promise<void>;
  /** The progress reporter for a verbosity other than 'silent' (a bar on terminals, lines elsewhere). */
  createReporter(verbose: Exclude<Verbosity, 'silent'>): Callback;
}

let registered: Partial<TrainPlatform> = {};

/** Registers host services (the Node entry calls this); later registrations replace earlier ones per service. */
export function setTrainPlatform(services: Partial<TrainPlatform>): void {
  registered = { ...registered, ...services };
}

/** The registered implementation of one service, or a ValueError saying where to get it. */
export function platformService<K extends keyof TrainPlatform>(name: K, caller: string): TrainPlatform[K] {
  const service = registered[name];
  if (!service) {
    throw new ValueError(
      `${caller} needs file access, which this environment does not provide: run it in Node and import 'neurite' ` +
        `(or 'neurite/node'), not 'neurite/browser'`,
    );
  }
  return service;
}

/** The registered implementation of one service, or undefined (for services with a portable fallback). */
export function optionalPlatformService<K extends keyof TrainPlatform>(
  name: K,
): TrainPlatform[K] | undefined {
  return registered[name];
}
