/**
 * nt.pytorch.save (Node): exports a model and writes its folder whole or not at all. The files go to a temporary
 * folder beside the target, which is then renamed into place; a previous export there is swapped out and removed
 * only after that. A folder holding anything an export does not write (say, train_ddp.py's `trained/`) is never
 * replaced.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FormatError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import { exportModel, type PytorchExport, type PytorchExportOptions } from './export.js';

const EXPORT_FILES = [
  'model.py',
  'weights.safetensors',
  'preprocessing.json',
  'train_ddp.py',
  'neurite.json',
  'data.safetensors',
  'vocab.json',
];

function fail(dir: string, msg: string, cause?: unknown): FormatError {
  const err = new FormatError(`pytorch.save(${dir}): ${msg}`);
  if (cause) err.cause = cause;
  return err;
}

/** Whether `dir` may be replaced: it does not exist, is empty, or holds only a previous export's files. */
async function replaceable(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => null);
  if (!info) return false;
  if (!info.isDirectory()) throw fail(dir, 'it exists and is not a folder');
  const names = await readdir(dir);
  const foreign = names.filter((n) => !EXPORT_FILES.includes(n) && !n.startsWith('__pycache__'));
  if (foreign.length > 0) {
    throw fail(
      dir,
      `the folder holds files an export does not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); choose another folder or move them`,
    );
  }
  if (names.includes('neurite.json')) {
    const text = await readFile(join(dir, 'neurite.json'), 'utf8').catch(() => '');
    if (!text.includes('"neurite-pytorch-export"'))
      throw fail(dir, 'its neurite.json is not an export manifest; choose another folder');
  }
  return true;
}

/**
 * Exports `model` (see {@link exportModel}) into the folder `dir`, atomically: a reader sees the previous
 * folder or the complete new one. Gives what exportModel gives.
 */
export async function save(
  model: Module,
  dir: string,
  options: PytorchExportOptions = {},
): Promise<PytorchExport> {
  const result = exportModel(model, options);
  const exists = await replaceable(dir);
  const parent = dirname(dir);
  const tag = randomBytes(6).toString('hex');
  const tmp = join(parent, `.${basename(dir)}.${tag}.tmp`);
  const old = join(parent, `.${basename(dir)}.${tag}.old`);
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(tmp);
    for (const [name, content] of Object.entries(result.files)) {
      await writeFile(join(tmp, name), content, { flush: true });
    }
    if (exists) await rename(dir, old);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw fail(dir, `cannot write the folder: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (exists) await rm(old, { recursive: true, force: true }).catch(() => {});
  return result;
}
