import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';

const { CharVocab } = nt.data;

// data/text/README.md records these (scripts/build-text-corpus.py prints them)
const NOVELS: Record<nt.AustenNovel, { chars: number; sha256: string; opening: string }> = {
  'sense-and-sensibility': {
    chars: 673_688,
    sha256: '105e1651fe93bed7130078578efd31e0c557d68667ba672ddc876f735b30fe09',
    opening: 'SENSE AND SENSIBILITY',
  },
  'pride-and-prejudice': {
    chars: 684_768,
    sha256: 'dfc684d4f857fa938268f9ab9c5567b64bd0691251eca959644adeabe6287a4d',
    opening: 'PRIDE AND PREJUDICE',
  },
  'mansfield-park': {
    chars: 883_279,
    sha256: '98bc90519cdf4ef663ad7de2734bb529435ef24f7abbde6bb1a50898871dafe9',
    opening: 'MANSFIELD PARK',
  },
  emma: {
    chars: 883_028,
    sha256: '7c67b5985c6d0de1efaeb5d342d52cb82c38083c40e2295129e30e87ee690ebe',
    opening: 'EMMA',
  },
  'northanger-abbey': {
    chars: 432_978,
    sha256: '6f53a33627d6e48c9658313b23f8d39c04b918fd0330b31b0c202a2d04d6e9c1',
    opening: 'NORTHANGER ABBEY',
  },
  persuasion: {
    chars: 466_854,
    sha256: '8061549557aebd2fd6e353d18d9197cb707029112bd52d4d8b174583a925848a',
    opening: 'Persuasion',
  },
};

const corpus = nt.loadTextCorpus();

describe('loadTextCorpus', () => {
  it('ships each novel byte for byte as the README records', () => {
    for (const name of nt.AUSTEN_NOVELS) {
      const bytes = gunzipSync(readFileSync(join(nt.builtinDataDir('text'), 'austen', `${name}.txt.gz`)));
      expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(NOVELS[name].sha256);
      const text = nt.loadTextCorpus({ name });
      expect(text.length, name).toBe(NOVELS[name].chars);
      expect(text.startsWith(NOVELS[name].opening), name).toBe(true);
      expect(text.endsWith('\n') && !text.endsWith('\n\n'), name).toBe(true);
    }
  });

  it('joins the six novels in order of publication, more than 1 MB of English prose', () => {
    expect(corpus.length).toBe(4_024_615);
    expect(Buffer.byteLength(corpus, 'utf8')).toBeGreaterThan(1_000_000);
    const starts = nt.AUSTEN_NOVELS.map((name) => corpus.indexOf(`\n\n\n\n${NOVELS[name].opening}`));
    expect(starts[0]).toBe(-1); // the first novel opens the text
    expect(corpus.startsWith('SENSE AND SENSIBILITY')).toBe(true);
    for (let k = 2; k < starts.length; k++) expect(starts[k]).toBeGreaterThan(starts[k - 1]);
    expect(corpus).toContain(
      'It is a truth universally acknowledged, that a single man in possession\nof a good fortune, must be in want of a wife.',
    );
  });

  it('carries no packaging noise', () => {
    expect(corpus).not.toMatch(/gutenberg|\be-?books?\b|signet|copyright|https?:/i);
    expect(corpus).not.toContain('\r');
    expect(corpus).not.toMatch(/ \n/);
  });

  it('rejects unknown names and a missing folder', () => {
    expect(() => nt.loadTextCorpus({ name: 'dickens' as nt.TextCorpusName })).toThrow(
      /unknown corpus "dickens"/,
    );
    expect(() => nt.loadTextCorpus({ name: 'emma', dataDir: '/nonexistent' })).toThrow(nt.FormatError);
  });
});

describe('CharVocab', () => {
  it('maps every character of the corpus and back', () => {
    const vocab = CharVocab.fromText(corpus);
    expect(vocab.size).toBe(81);
    expect(vocab.chars[0]).toBe('\n');
    expect(vocab.chars.at(-1)).toBe('£');
    const sample = corpus.slice(100_000, 120_000);
    const ids = vocab.encode(sample);
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(sample.length);
    expect(vocab.decode(ids)).toBe(sample);
    expect(vocab.decode(nt.tensor(ids))).toBe(sample);
  });

  it('sorts characters by code point and puts specials first', () => {
    const vocab = CharVocab.fromText('hello, world', { specials: ['<pad>', '<eos>'] });
    expect(vocab.tokens).toEqual(['<pad>', '<eos>', ' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(vocab.id('<pad>')).toBe(0);
    expect(vocab.id('l')).toBe(7);
    expect(vocab.token(3)).toBe(',');
    const ids = [...vocab.encode('low'), vocab.id('<eos>'), 0];
    expect(vocab.decode(ids)).toBe('low');
    expect(vocab.decode(ids, { skipSpecials: false })).toBe('low<eos><pad>');
  });

  it('handles characters beyond the BMP as single tokens', () => {
    const vocab = CharVocab.fromText('a😀b');
    expect(vocab.size).toBe(3);
    expect(vocab.decode(vocab.encode('😀ab'))).toBe('😀ab');
  });

  it('reports unknown characters and ids, or maps them to the unknown token', () => {
    const vocab = CharVocab.fromText('abc');
    expect(() => vocab.encode('abz')).toThrow(
      /character "z" \(U\+007A\) at position 2 is not in the vocabulary/,
    );
    expect(() => vocab.decode([0, 3])).toThrow(/id 3 at position 1 is outside 0…2/);
    expect(() => vocab.id('<pad>')).toThrow(nt.ValueError);
    const lenient = CharVocab.fromText('abc', { unknown: '<unk>' });
    expect(lenient.tokens[0]).toBe('<unk>');
    expect([...lenient.encode('azb')]).toEqual([1, 0, 2]);
    expect(lenient.decode(lenient.encode('azb'), { skipSpecials: false })).toBe('a<unk>b');
  });

  it('round-trips through JSON and refuses bad vocabularies', () => {
    const vocab = CharVocab.fromText('the quick fox', { specials: ['<pad>'], unknown: '<unk>' });
    const copy = CharVocab.fromJSON(JSON.parse(JSON.stringify(vocab.toJSON())));
    expect(copy.tokens).toEqual(vocab.tokens);
    expect(copy.unknown).toBe('<unk>');
    expect(() => new CharVocab(['a', 'a'])).toThrow(/appears twice/);
    expect(() => new CharVocab(['ab'])).toThrow(/not a single character/);
    expect(() => CharVocab.fromJSON({ type: 'Other' } as never)).toThrow(nt.ValueError);
  });
});
