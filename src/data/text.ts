import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FormatError, ValueError } from '../errors.js';
import { builtinDataDir } from './tabular.js';

/** The six novels of the `austen` corpus, in order of publication (see data/text/README.md). */
export const AUSTEN_NOVELS = [
  'sense-and-sensibility',
  'pride-and-prejudice',
  'mansfield-park',
  'emma',
  'northanger-abbey',
  'persuasion',
] as const;

export type AustenNovel = (typeof AUSTEN_NOVELS)[number];

/** Names {@link loadTextCorpus} accepts: the whole corpus or one novel. */
export type TextCorpusName = 'austen' | AustenNovel;

export interface TextCorpusOptions {
  /** `'austen'` (default): all six novels, about 4 MB; or one novel by name, e.g. `'pride-and-prejudice'`. */
  name?: TextCorpusName;
  /** The folder holding the `austen/` texts (default: the copy shipped in neurite's `data/text`). */
  dataDir?: string;
}

/** Text between novels of the full corpus: a blank gap like the ones between chapters, a little wider. */
const SEPARATOR = '\n\n\n\n';

function readNovel(dir: string, name: AustenNovel): string {
  const file = join(dir, 'austen', `${name}.txt.gz`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FormatError(`loadTextCorpus: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (e) {
    throw new FormatError(`loadTextCorpus: ${file} is not valid gzip data: ${(e as Error).message}`);
  }
}

/**
 * A real English text corpus for character-level language models: Jane Austen's six completed novels
 * (public domain, from Project Gutenberg's transcriptions as packaged by janeaustenr; see data/text/README.md),
 * 4,024,615 characters (the novels joined by blank lines) with their original line breaks. Node only.
 *
 * ```ts
 * const text = loadTextCorpus();                               // all six novels
 * const pp = loadTextCorpus({ name: 'pride-and-prejudice' }); // 684,768 characters
 * const vocab = CharVocab.fromText(text);
 * ```
 */
export function loadTextCorpus(options: TextCorpusOptions = {}): string {
  const { name = 'austen', dataDir = builtinDataDir('text') } = options;
  if (name === 'austen') return AUSTEN_NOVELS.map((novel) => readNovel(dataDir, novel)).join(SEPARATOR);
  if (!(AUSTEN_NOVELS as readonly string[]).includes(name)) {
    throw new ValueError(
      `loadTextCorpus: unknown corpus ${JSON.stringify(name)}; choose 'austen' or one of ${AUSTEN_NOVELS.join(', ')}`,
    );
  }
  return readNovel(dataDir, name as AustenNovel);
}
