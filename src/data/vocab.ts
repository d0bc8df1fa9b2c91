import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export interface CharVocabOptions {
  /**
   * Tokens that are not characters of the text (`'<pad>'`, `'<bos>'`, `'<eos>'`, …). They take the first ids,
   * in the order given, so `'<pad>'` listed first gets id 0.
   */
  specials?: readonly string[];
  /**
   * A special token that stands for any character not in the vocabulary (added to `specials` if missing).
   * Without one, encoding an unknown character throws.
   */
  unknown?: string;
}

export interface CharVocabJSON {
  type: 'CharVocab';
  specials: string[];
  chars: string[];
  unknown: string | null;
}

export interface DecodeOptions {
  /** Leave special tokens out of the text (default true); false writes them as they are spelled. */
  skipSpecials?: boolean;
}

/**
 * A character-level vocabulary: special tokens first, then every character (Unicode code point) in sorted
 * order, each with an integer id. Encoding gives an Int32Array ready for `nn.Embedding`.
 *
 * ```ts
 * const vocab = CharVocab.fromText(text);
 * const ids = vocab.encode('Emma');   // Int32Array
 * vocab.decode(ids);                  // 'Emma'
 * ```
 */
export class CharVocab {
  /** Every token by id: the specials, then the characters. */
  readonly tokens: readonly string[];
  readonly specials: readonly string[];
  /** The characters, in id order. */
  readonly chars: readonly string[];
  readonly unknown: string | null;
  private readonly ids: Map<string, number>;

  constructor(chars: Iterable<string>, options: CharVocabOptions = {}) {
    const where = 'CharVocab';
    const specials = [...(options.specials ?? [])];
    const unknown = options.unknown ?? null;
    if (unknown !== null && !specials.includes(unknown)) specials.push(unknown);
    const charList = [...chars];
    charList.forEach((c, i) => {
      if (typeof c !== 'string' || [...c].length !== 1) {
        throw new ValueError(`${where}: entry ${i} (${JSON.stringify(c)}) is not a single character`);
      }
    });
    specials.forEach((s, i) => {
      if (typeof s !== 'string' || s.length === 0) {
        throw new ValueError(
          `${where}: special token ${i} must be a non-empty string, got ${JSON.stringify(s)}`,
        );
      }
    });
    const tokens = [...specials, ...charList];
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (ids.has(t)) {
        throw new ValueError(
          `${where}: token ${JSON.stringify(t)} appears twice (ids ${ids.get(t)} and ${i})`,
        );
      }
      ids.set(t, i);
    });
    this.tokens = tokens;
    this.specials = specials;
    this.chars = charList;
    this.unknown = unknown;
    this.ids = ids;
  }

  /** The vocabulary of every distinct character of `text`, sorted by code point (as `sorted(set(text))`). */
  static fromText(text: string, options: CharVocabOptions = {}): CharVocab {
    if (typeof text !== 'string')
      throw new ValueError(`CharVocab.fromText: expected a string, got ${typeof text}`);
    const chars = [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharVocab(chars, options);
  }

  /** Number of tokens (the `numEmbeddings` of an embedding, the classes of the output layer). */
  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of a token (a character or a special). */
  id(token: string): number {
    const i = this.ids.get(token);
    if (i === undefined)
      throw new ValueError(`CharVocab.id: ${JSON.stringify(token)} is not in the vocabulary`);
    return i;
  }

  /** The token of an id. */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
      throw new ValueError(`CharVocab.token: id ${id} is outside 0…${this.tokens.length - 1}`);
    }
    return this.tokens[id];
  }

  /** The ids of the characters of `text`. */
  encode(text: string): Int32Array {
    if (typeof text !== 'string')
      throw new ValueError(`CharVocab.encode: expected a string, got ${typeof text}`);
    const chars = [...text];
    const out = new Int32Array(chars.length);
    const unk = this.unknown === null ? -1 : this.ids.get(this.unknown)!;
    chars.forEach((c, i) => {
      const id = this.ids.get(c);
      if (id !== undefined && !this.isSpecialId(id)) {
        out[i] = id;
      } else if (unk >= 0) {
        out[i] = unk;
      } else {
        const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new ValueError(
          `CharVocab.encode: character ${JSON.stringify(c)} (U+${code}) at position ${i} is not in the vocabulary; ` +
            'give the vocabulary an unknown token to map such characters to it',
        );
      }
    });
    return out;
  }

  /** The text of a sequence of ids (a 1-D tensor, typed array or array). */
  decode(ids: Tensor | ArrayLike<number>, options: DecodeOptions = {}): string {
    const { skipSpecials = true } = options;
    const values = ids instanceof Tensor ? ids.data : ids;
    let text = '';
    for (let i = 0; i < values.length; i++) {
      const id = values[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
        throw new ValueError(
          `CharVocab.decode: id ${id} at position ${i} is outside 0…${this.tokens.length - 1}`,
        );
      }
      if (skipSpecials && this.isSpecialId(id)) continue;
      text += this.tokens[id];
    }
    return text;
  }

  private isSpecialId(id: number): boolean {
    return id < this.specials.length;
  }

  toJSON(): CharVocabJSON {
    return { type: 'CharVocab', specials: [...this.specials], chars: [...this.chars], unknown: this.unknown };
  }

  static fromJSON(json: CharVocabJSON): CharVocab {
    if (json?.type !== 'CharVocab' || !Array.isArray(json.chars) || !Array.isArray(json.specials)) {
      throw new ValueError(
        'CharVocab.fromJSON: expected an object with type "CharVocab", chars and specials',
      );
    }
    return new CharVocab(json.chars, { specials: json.specials, unknown: json.unknown ?? undefined });
  }
}
