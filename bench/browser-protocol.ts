/** The messages between bench/browser.ts's page and its Web Worker (bench/browser-neurite.ts, browser-tfjs.ts). */
import type { Result } from './cases.js';

export interface BrowserRequest {
  caseId: string;
  /** The folder URL of the .wasm files, ending in '/'. */
  assets: string;
}

export type BrowserReply =
  | {
      result: Result;
      /** Threads the library reports it computes on (the worker's own included). */
      threads: number;
      /** Which binary it loaded. */
      build: string;
      isolated: boolean;
    }
  | { error: string };
