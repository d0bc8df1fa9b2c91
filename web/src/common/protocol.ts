/** What the pages' worker protocols share: the checkpoint messages and a point of the training curves. */

/** A checkpoint read in the page: checkpoint.json's text and the weights file's bytes. */
export interface CheckpointFiles {
  manifestText: string;
  weights: ArrayBuffer;
  /** What the reader chose, for messages: the manifest's file name or `run <name>`. */
  source: string;
}

/** A checkpoint a worker wrote, for the page to download: checkpoint.json's text and the weights file. */
export interface SavedCheckpoint {
  manifestText: string;
  weightsName: string;
  weights: Uint8Array;
}

/** Page → worker: a checkpoint to load; `source` names it in messages. */
export type LoadMessage = { type: 'load' } & CheckpointFiles;

/** Worker → page: the model saved in the CLI's format. */
export type SavedMessage = { type: 'saved' } & SavedCheckpoint;

/** One point of the curves: where in training (epochs, fractional) and what was measured (null: not at this point). */
export interface TrainRecord {
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
}
