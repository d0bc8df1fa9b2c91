/**
 * Checkpoints in the CLI's format, made and read in the browser: a `checkpoint.json` manifest (architecture,
 * preprocessing, a `neurite train` recipe, and the weights file's name and SHA-256) beside a
 * `weights-<first 16 hex of the hash>.safetensors`, exactly as `saveCheckpoint` writes them in Node, so a model
 * trained in the page runs with `neurite eval` and loads in PyTorch by key, and a CLI run loads in the page.
 */
import * as nt from 'neurite/browser';
import type { SavedCheckpoint } from '../common/protocol.js';

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Encodes a checkpoint as its two files, with the manifest's `weights` entry filled in as Node's writer does. */
export async function encodeCheckpointFiles(checkpoint: nt.train.Checkpoint): Promise<SavedCheckpoint> {
  const { tensors, manifest } = nt.train.encodeCheckpoint(checkpoint);
  const weights = nt.io.encodeSafetensors(tensors);
  const hash = await sha256(weights);
  const weightsName = `weights-${hash.slice(0, 16)}.safetensors`;
  const manifestText = `${JSON.stringify({ ...manifest, weights: { file: weightsName, sha256: hash, bytes: weights.length } }, null, 1)}\n`;
  return { manifestText, weightsName, weights };
}

/**
 * Encodes a page's model as the checkpoint files of the `neurite train` run it stands for: its architecture,
 * preprocessing and recipe, without optimiser state or random-generator state (the pages restart those).
 */
export function encodeModelCheckpoint(
  options: Omit<Parameters<typeof nt.train.createCheckpoint>[0], 'rng' | 'optimizer'>,
): Promise<SavedCheckpoint> {
  return encodeCheckpointFiles(nt.train.createCheckpoint({ ...options, rng: null }));
}

/**
 * Reads the two files back into a checkpoint. Every problem is an Error whose message names the file and says
 * what is wrong in the user's terms (not JSON, not a checkpoint, a damaged weights file).
 */
export async function decodeCheckpointFiles(
  manifestText: string,
  weights: Uint8Array,
  source: string,
): Promise<nt.train.Checkpoint> {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(manifestText) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: checkpoint.json is not valid JSON (${(e as Error).message})`);
  }
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== 'neurite-checkpoint') {
    throw new Error(
      `${source}: this JSON file is not a neurite checkpoint (it has no "format": "neurite-checkpoint")`,
    );
  }
  const info = manifest.weights as { file?: unknown; sha256?: unknown } | undefined;
  if (!info || typeof info.sha256 !== 'string') {
    throw new Error(`${source}: the manifest does not name its weights file and hash`);
  }
  if ((await sha256(weights)) !== info.sha256) {
    throw new Error(
      `${source}: the weights file does not match the manifest's SHA-256 (expected ${String(info.file)}); it is damaged or belongs to another checkpoint`,
    );
  }
  try {
    const { tensors } = nt.io.decodeSafetensors(weights, { source: String(info.file) });
    return nt.train.decodeCheckpoint(tensors, manifest, source);
  } catch (e) {
    throw new Error((e as Error).message);
  }
}
