/**
 * A strict JSON parser for file headers. `JSON.parse` is not enough there: it silently keeps the last of two
 * duplicate keys, turns `"__proto__"` into a prototype, and rounds integers beyond 2^53 without a word. This
 * parser keeps every object entry in order (duplicates included), keeps numbers as their source text, and
 * accepts exactly RFC 8259 (the subset serde_json reads), so a header means the same thing here as in Rust.
 */

/** A JSON number as written, so integer fields can be checked exactly. */
export class JsonNumber {
  constructor(readonly text: string) {}

  get value(): number {
    return Number(this.text);
  }
}

/** A JSON object as its entries in source order, duplicates kept. */
export class JsonObject {
  constructor(readonly entries: [string, JsonValue][]) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** Thrown by {@link parseJson}; `position` is the index into the text where parsing stopped. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position}`);
  }
}

// serde_json stops at 128 levels; a header needs 3. The limit keeps hostile input from overflowing the stack.
const MAX_DEPTH = 128;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Parses one JSON value that must fill `text` (surrounding whitespace allowed). */
export function parseJson(text: string): JsonValue {
  let pos = 0;

  const fail = (reason: string, at = pos): never => {
    throw new JsonSyntaxError(reason, at);
  };

  const skipWhitespace = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };

  const describe = (at: number) =>
    at >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(text[at])}`;

  const hex4 = (): number => {
    const h = text.slice(pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('invalid \\u escape');
    pos += 4;
    return Number.parseInt(h, 16);
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunk = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunk, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(chunk, pos);
      const escapeAt = pos;
      pos++;
      const e = text[pos++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const u = hex4();
          if (u >= 0xdc00 && u <= 0xdfff) fail('lone surrogate in \\u escape', escapeAt);
          if (u >= 0xd800 && u <= 0xdbff) {
            // names are Unicode strings in Rust, so only a complete surrogate pair is a character
            if (text[pos] !== '\\' || text[pos + 1] !== 'u') fail('lone surrogate in \\u escape', escapeAt);
            pos += 2;
            const low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail('lone surrogate in \\u escape', escapeAt);
            out += String.fromCharCode(u, low);
          } else {
            out += String.fromCharCode(u);
          }
          break;
        }
        default:
          fail('invalid escape in string', escapeAt);
      }
      chunk = pos;
    }
  };

  const parseValue = (depth: number): JsonValue => {
    skipWhitespace();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
      return c === '{' ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (c === '"') return parseString();
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (!m) return fail('invalid number');
      pos += m[0].length;
      return new JsonNumber(m[0]);
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return fail(describe(pos));
  };

  const parseArray = (depth: number): JsonValue[] => {
    pos++;
    const out: JsonValue[] = [];
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    for (;;) {
      out.push(parseValue(depth));
      skipWhitespace();
      const c = text[pos];
      pos++;
      if (c === ']') return out;
      if (c !== ',') fail(`${describe(pos - 1)} (expected ',' or ']')`, pos - 1);
    }
  };

  const parseObject = (depth: number): JsonObject => {
    pos++;
    const entries: [string, JsonValue][] = [];
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return new JsonObject(entries);
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') fail(`${describe(pos)} (expected a string key)`);
      const key = parseString();
      skipWhitespace();
      if (text[pos] !== ':') fail(`${describe(pos)} (expected ':')`);
      pos++;
      entries.push([key, parseValue(depth)]);
      skipWhitespace();
      const c = text[pos];
      pos++;
      if (c === '}') return new JsonObject(entries);
      if (c !== ',') fail(`${describe(pos - 1)} (expected ',' or '}')`, pos - 1);
    }
  };

  const value = parseValue(0);
  skipWhitespace();
  if (pos < text.length) fail(`${describe(pos)} after the end of the value`);
  return value;
}

/** What a value is, in words, for error messages: `a string`, `an array`, `null`. */
export function jsonKind(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'string') return 'a string';
  if (v instanceof JsonNumber) return 'a number';
  if (Array.isArray(v)) return 'an array';
  return 'an object';
}
