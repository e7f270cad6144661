import { describe, fail, RnnkitError } from '../errors.js';

/** What a vocabulary's tokens are: single characters (`charVocabulary`) or whitespace-separated words (`wordVocabulary`). */
export type VocabularyLevel = 'char' | 'word';

/** Options of `charVocabulary`, `wordVocabulary` and `new Vocabulary`. */
export interface VocabularyOptions {
  /** Padding token, id 0 (default `'<pad>'`; `null` for none). */
  pad?: string | null;
  /** Token for anything not in the vocabulary, the next id (default `'<unk>'`; `null` makes unknown tokens an error). */
  unk?: string | null;
  /** More reserved tokens after pad and unk, e.g. `['<s>', '</s>']` for sequence-to-sequence. */
  specials?: readonly string[];
  /** Keep only tokens seen at least this often (default 1). */
  minCount?: number;
  /** Keep at most this many tokens in all, specials included (the most frequent win). */
  maxSize?: number;
  /** Word level only: lower-case text before splitting (default false). */
  lowercase?: boolean;
}

/** The plain-JSON form of a vocabulary, for saving beside a model. */
export interface VocabularyJSON {
  /** Marks the object as an rnnkit vocabulary; `fromJSON` rejects anything else. */
  format: 'rnnkit.vocabulary';
  /** Format version; only 1 exists. */
  version: 1;
  /** Character or word tokens. */
  level: VocabularyLevel;
  /** Every token, distinct, indexed by id (reserved tokens first). */
  tokens: string[];
  /** The padding token (one of `tokens`), or null for none. */
  pad: string | null;
  /** The unknown-token stand-in (one of `tokens`), or null when unknown tokens are an error. */
  unk: string | null;
  /** The other reserved tokens, in order (each one of `tokens`). */
  specials: string[];
  /** Whether text is lower-cased before splitting (word level only). */
  lowercase: boolean;
}

// A word is letters, digits and underscores, with inner apostrophes ("don't"); every other
// non-space character is a token of its own.
const WORD_RE = /[\p{L}\p{N}_]+(?:['’][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/gu;

/**
 * Token ↔ id mapping at the character level (Unicode code points) or the word level (words
 * and punctuation marks). Ids are dense: pad (0), unk, the other specials in order, then the
 * corpus tokens by descending count, ties in code-unit order, so the same text always gives
 * the same ids.
 */
export class Vocabulary {
  /** Character (code point) or word tokens. */
  readonly level: VocabularyLevel;
  /** Every token, frozen, indexed by id: pad, unk, the other specials, then corpus tokens by descending count. */
  readonly tokens: readonly string[];
  /** Id of the padding token (0 when there is one), or undefined without one. */
  readonly padId: number | undefined;
  /** Id that unknown tokens map to, or undefined when they are an error. */
  readonly unkId: number | undefined;
  /** The reserved tokens after pad and unk (e.g. `['<s>', '</s>']`), frozen, in id order. */
  readonly specials: readonly string[];
  /** Text is lower-cased before splitting (word level only). */
  readonly lowercase: boolean;
  private readonly index: Map<string, number>;
  private readonly pad: string | null;
  private readonly unk: string | null;

  private constructor(json: VocabularyJSON) {
    this.level = json.level;
    this.tokens = Object.freeze([...json.tokens]);
    this.pad = json.pad;
    this.unk = json.unk;
    this.specials = Object.freeze([...json.specials]);
    this.lowercase = json.lowercase;
    this.index = new Map(json.tokens.map((t, i) => [t, i]));
    this.padId = json.pad === null ? undefined : this.index.get(json.pad);
    this.unkId = json.unk === null ? undefined : this.index.get(json.unk);
  }

  /** Builds a vocabulary from a corpus (one text or several). */
  static fromText(level: VocabularyLevel, text: string | readonly string[], options: VocabularyOptions = {}): Vocabulary {
    if (level !== 'char' && level !== 'word') fail('INVALID_ARGUMENT', 'level', '"char" or "word"', level);
    if (options === null || typeof options !== 'object')
      fail('INVALID_ARGUMENT', 'options', '{ pad?, unk?, specials?, minCount?, maxSize?, lowercase? }', options);
    const texts = typeof text === 'string' ? [text] : text;
    if (!Array.isArray(texts)) fail('INVALID_ARGUMENT', 'text', 'a string or an array of strings', text);
    texts.forEach((t, i) => {
      if (typeof t !== 'string') fail('INVALID_ARGUMENT', `text[${i}]`, 'a string', t);
    });
    const pad = options.pad === undefined ? '<pad>' : options.pad;
    const unk = options.unk === undefined ? '<unk>' : options.unk;
    if (pad !== null && (typeof pad !== 'string' || pad === '')) fail('INVALID_ARGUMENT', 'pad', 'a non-empty string or null', pad);
    if (unk !== null && (typeof unk !== 'string' || unk === '')) fail('INVALID_ARGUMENT', 'unk', 'a non-empty string or null', unk);
    const specials = options.specials ?? [];
    if (!Array.isArray(specials)) fail('INVALID_ARGUMENT', 'specials', 'an array of strings', specials);
    specials.forEach((s, i) => {
      if (typeof s !== 'string' || s === '') fail('INVALID_ARGUMENT', `specials[${i}]`, 'a non-empty string', s);
    });
    const reserved = [...(pad !== null ? [pad] : []), ...(unk !== null ? [unk] : []), ...specials];
    if (new Set(reserved).size !== reserved.length) fail('INVALID_ARGUMENT', 'specials', 'distinct tokens (pad, unk and specials)', reserved);
    const minCount = options.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1) fail('INVALID_ARGUMENT', 'minCount', 'a positive integer', minCount);
    const maxSize = options.maxSize ?? Infinity;
    if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize < reserved.length)) {
      fail('INVALID_ARGUMENT', 'maxSize', `an integer ≥ ${reserved.length} (the reserved tokens)`, maxSize);
    }
    const lowercase = options.lowercase ?? false;
    if (typeof lowercase !== 'boolean') fail('INVALID_ARGUMENT', 'lowercase', 'a boolean', lowercase);
    if (lowercase && level === 'char')
      fail('INVALID_ARGUMENT', 'lowercase', 'false for a character vocabulary (it would map text it cannot decode back)', lowercase);

    const counts = new Map<string, number>();
    for (const t of texts) for (const tok of tokenize(level, t, lowercase)) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    const reservedSet = new Set(reserved);
    const corpus = [...counts]
      .filter(([tok, c]) => c >= minCount && !reservedSet.has(tok))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([tok]) => tok);
    const tokens = [...reserved, ...corpus].slice(0, maxSize);
    return new Vocabulary({ format: 'rnnkit.vocabulary', version: 1, level, tokens, pad, unk, specials: [...specials], lowercase });
  }

  /** Restores a vocabulary saved with `toJSON` (object or JSON text). */
  static fromJSON(json: VocabularyJSON | string): Vocabulary {
    let v: VocabularyJSON;
    try {
      v = typeof json === 'string' ? (JSON.parse(json) as VocabularyJSON) : json;
    } catch (e) {
      throw new RnnkitError('INVALID_ARGUMENT', `json: expected vocabulary JSON text, got a parse error (${(e as Error).message})`, {
        argument: 'json',
        cause: e,
      });
    }
    if (v === null || typeof v !== 'object' || v.format !== 'rnnkit.vocabulary' || v.version !== 1) {
      fail('INVALID_ARGUMENT', 'json', '{ format: "rnnkit.vocabulary", version: 1, … }', v);
    }
    if (v.level !== 'char' && v.level !== 'word') fail('INVALID_ARGUMENT', 'json.level', '"char" or "word"', v.level);
    if (!Array.isArray(v.tokens) || v.tokens.some((t) => typeof t !== 'string')) fail('INVALID_ARGUMENT', 'json.tokens', 'an array of strings', v.tokens);
    if (new Set(v.tokens).size !== v.tokens.length) fail('INVALID_ARGUMENT', 'json.tokens', 'distinct tokens', v.tokens);
    for (const k of ['pad', 'unk'] as const) {
      const t = v[k];
      if (t !== null && !v.tokens.includes(t)) fail('INVALID_ARGUMENT', `json.${k}`, 'null or one of json.tokens', t);
    }
    if (!Array.isArray(v.specials) || v.specials.some((t) => !v.tokens.includes(t)))
      fail('INVALID_ARGUMENT', 'json.specials', 'tokens of json.tokens', v.specials);
    if (typeof v.lowercase !== 'boolean') fail('INVALID_ARGUMENT', 'json.lowercase', 'a boolean', v.lowercase);
    return new Vocabulary(v);
  }

  /** The plain-JSON form (`JSON.stringify` calls it); `Vocabulary.fromJSON` restores the same ids. */
  toJSON(): VocabularyJSON {
    return {
      format: 'rnnkit.vocabulary',
      version: 1,
      level: this.level,
      tokens: [...this.tokens],
      pad: this.pad,
      unk: this.unk,
      specials: [...this.specials],
      lowercase: this.lowercase,
    };
  }

  /** Number of ids, i.e. `numEmbeddings` of an embedding layer and the classes of a softmax head. */
  get size(): number {
    return this.tokens.length;
  }

  /** Splits text into this vocabulary's tokens (code points, or words and punctuation). */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') fail('INVALID_ARGUMENT', 'text', 'a string', text);
    return tokenize(this.level, text, this.lowercase);
  }

  /** Id of a token: unknown tokens map to unk, or throw when the vocabulary has no unk. */
  idOf(token: string): number {
    const id = this.index.get(token);
    if (id !== undefined) return id;
    if (this.unkId !== undefined) return this.unkId;
    throw new RnnkitError('INVALID_ARGUMENT', `token: expected a token of the vocabulary (it has no unk token), got ${describe(token)}`, { argument: 'token' });
  }

  /** Token of an id. @throws RnnkitError INVALID_ARGUMENT when `id` is not an integer in 0..size − 1 */
  tokenOf(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) fail('INVALID_ARGUMENT', 'id', `an integer id in 0..${this.tokens.length - 1}`, id);
    return this.tokens[id];
  }

  /** Text (tokenized here) or a list of tokens → ids. */
  encode(text: string | readonly string[]): number[] {
    const toks = typeof text === 'string' ? this.tokenize(text) : text;
    if (!Array.isArray(toks)) fail('INVALID_ARGUMENT', 'text', 'a string or an array of tokens', text);
    return toks.map((t) => this.idOf(t));
  }

  /**
   * Ids → text: characters are joined as they are, words with single spaces. Padding is
   * dropped unless `keepPadding`; `stopAt` ends the text at the first occurrence of that id
   * (e.g. an end-of-sequence token).
   */
  decode(ids: ArrayLike<number>, options: { keepPadding?: boolean; stopAt?: number } = {}): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') fail('INVALID_ARGUMENT', 'ids', 'an array of ids', ids);
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length)
        fail('INVALID_ARGUMENT', `ids[${i}]`, `an integer id in 0..${this.tokens.length - 1}`, id);
      if (options.stopAt !== undefined && id === options.stopAt) break;
      if (id === this.padId && !options.keepPadding) continue;
      out.push(this.tokens[id]);
    }
    return out.join(this.level === 'char' ? '' : ' ');
  }
}

function tokenize(level: VocabularyLevel, text: string, lowercase: boolean): string[] {
  if (level === 'char') return Array.from(text);
  return (lowercase ? text.toLowerCase() : text).match(WORD_RE) ?? [];
}

/** A character-level vocabulary (Unicode code points) of `text`. */
export function charVocabulary(text: string | readonly string[], options: Omit<VocabularyOptions, 'lowercase'> = {}): Vocabulary {
  return Vocabulary.fromText('char', text, options);
}

/** A word-level vocabulary of `text`: words (with inner apostrophes) and punctuation marks. */
export function wordVocabulary(text: string | readonly string[], options: VocabularyOptions = {}): Vocabulary {
  return Vocabulary.fromText('word', text, options);
}
