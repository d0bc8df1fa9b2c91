/**
 * The page side of checkpoints in the CLI's format (checkpoint.json + its weights-….safetensors): the Load
 * control, picking the two files, reading a run folder the studio serves, and downloading what a worker saved.
 * Every page that saves or loads a model uses these, so the files and messages are the same everywhere.
 */

import { fileLabel, h } from './dom.js';
import type { CheckpointFiles, SavedCheckpoint } from './protocol.js';

/**
 * The Load button: a keyboard-reachable label opening a hidden multi-file input (`#load-input`) that accepts
 * checkpoint.json and its weights file; `onFiles` gets the files chosen together.
 */
export function checkpointLoadControl(
  label: string,
  attrs: { title: string; id?: string },
  onFiles: (files: File[]) => void,
): HTMLElement {
  const input = h('input', {
    type: 'file',
    id: 'load-input',
    class: 'visually-hidden',
    multiple: true,
    accept: '.json,.safetensors',
  });
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    onFiles(files);
  });
  return h('span', {}, fileLabel(input, label, { class: 'button-like', ...attrs }), input);
}

/** checkpoint.json and its weights file among the files chosen together, or the reader's message if one is missing. */
export function pickCheckpoint(files: File[]): { manifest: File; weights: File } | string {
  const manifest = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const weights = files.find((f) => f.name.toLowerCase().endsWith('.safetensors'));
  if (!manifest || !weights) {
    return `Choose both files of a checkpoint at once: checkpoint.json and its weights-….safetensors (got ${files.map((f) => f.name).join(', ') || 'nothing'}).`;
  }
  return { manifest, weights };
}

/** Reads the two files `pickCheckpoint` found. */
export async function readCheckpoint(picked: { manifest: File; weights: File }): Promise<CheckpointFiles> {
  return {
    manifestText: await picked.manifest.text(),
    weights: await picked.weights.arrayBuffer(),
    source: picked.manifest.name,
  };
}

/** The checkpoint of a run folder the studio serves (the runs dashboard's "open in this page"); throws the reader's message. */
export async function fetchRunCheckpoint(name: string): Promise<CheckpointFiles> {
  const base = `api/runs/${encodeURIComponent(name)}/`;
  const res = await fetch(`${base}checkpoint.json`);
  if (!res.ok) throw new Error(`run ${name} has no checkpoint (the server answered ${res.status})`);
  const manifestText = await res.text();
  const file = (JSON.parse(manifestText) as { weights?: { file?: string } }).weights?.file;
  if (!file) throw new Error(`run ${name}: its checkpoint.json does not name a weights file`);
  const w = await fetch(base + encodeURIComponent(file));
  if (!w.ok) throw new Error(`run ${name}: cannot read ${file} (the server answered ${w.status})`);
  return { manifestText, weights: await w.arrayBuffer(), source: `run ${name}` };
}

/** Makes the browser download `data` as a file called `name`. */
export function downloadFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads a saved checkpoint's two files: checkpoint.json and its weights file. */
export function downloadCheckpoint(saved: SavedCheckpoint): void {
  downloadFile('checkpoint.json', saved.manifestText, 'application/json');
  downloadFile(saved.weightsName, saved.weights as Uint8Array<ArrayBuffer>, 'application/octet-stream');
}
