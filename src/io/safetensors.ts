/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written byte for byte as the
 * reference implementation does, with no Node built-ins so it runs in browsers too:
 *
 * - 8 bytes: N, the header length, an unsigned little-endian 64-bit integer;
 * - N bytes: a UTF-8 JSON object `{"__metadata__": {…}, "name": {"dtype", "shape", "data_offsets"}, …}`,
 *   padded with spaces to a multiple of 8 bytes;
 * - the data buffer: every tensor's little-endian, row-major bytes, `data_offsets` relative to its start,
 *   covering it exactly (no gaps, no overlaps, nothing after the last tensor).
 */
import { FormatError, fmtShape, ValueError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { isTensor, Tensor } from '../tensor/tensor.js';
import { JsonNumber, JsonObject, JsonSyntaxError, type JsonValue, jsonKind, parseJson } from './json.js';

/** Tensors by name, as stored in or read from a safetensors file. */
export type TensorDict = Record<string, Tensor>;

export interface DecodeOptions {
  /** What error messages name as the source, e.g. `loadSafetensors(model.safetensors)`. */
  source?: string;
}

/** What {@link decodeSafetensors} returns; both records have no prototype, so any name is safe as a key. */
export interface DecodedSafetensors {
  /** The tensors in header order, converted to float32, int32 or bool. */
  tensors: TensorDict;
  /** The free-form `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

// The reference reader refuses larger headers; so do we, before allocating a string for one.
const MAX_HEADER_SIZE = 100_000_000;
const METADATA_KEY = '__metadata__';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Our dtypes as safetensors names them, with the rank of each in the reference's `Dtype` enum order. */
const WRITE_DTYPES: Record<DType, { name: string; order: number }> = {
  bool: { name: 'BOOL', order: 0 },
  int32: { name: 'I32', order: 1 },
  float32: { name: 'F32', order: 2 },
};

interface Reader {
  bytes: number;
  dtype: DType;
  /** Reads `n` values from `view` at byte `at` into a new array; `fail` reports a value that does not fit. */
  read(view: DataView, at: number, n: number, fail: (index: number, value: string) => never): TypedArray;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** Copies raw bytes into a fresh (hence aligned) array; valid only for native little-endian 4-byte types. */
function copyBytes<T extends Float32Array | Int32Array>(out: T, view: DataView, at: number): T {
  new Uint8Array(out.buffer).set(new Uint8Array(view.buffer, view.byteOffset + at, out.byteLength));
  return out;
}

/**
 * A reader that converts element by element: `get` reads one element at a byte offset (little-endian) as the
 * value to store.
 */
function elementwise(
  bytes: number,
  dtype: 'float32' | 'int32',
  get: (view: DataView, at: number) => number,
): Reader {
  return {
    bytes,
    dtype,
    read(view, at, n) {
      const out = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = get(view, at + bytes * i);
      return out;
    },
  };
}

const READERS: Record<string, Reader> = {
  F32: {
    bytes: 4,
    dtype: 'float32',
    read(view, at, n) {
      const out = new Float32Array(n);
      if (LITTLE_ENDIAN) return copyBytes(out, view, at);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
      return out;
    },
  },
  F16: elementwise(2, 'float32', (v, at) => halfToFloat(v.getUint16(at, true))),
  BF16: {
    bytes: 2,
    dtype: 'float32',
    read(view, at, n) {
      // bfloat16 is the top half of a float32, so the conversion is exact (NaN payloads included)
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(at + 2 * i, true) << 16;
      return out;
    },
  },
  F64: elementwise(8, 'float32', (v, at) => v.getFloat64(at, true)),
  I32: {
    bytes: 4,
    dtype: 'int32',
    read(view, at, n) {
      const out = new Int32Array(n);
      if (LITTLE_ENDIAN) return copyBytes(out, view, at);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, true);
      return out;
    },
  },
  I64: {
    bytes: 8,
    dtype: 'int32',
    read(view, at, n, fail) {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = view.getUint32(at + 8 * i, true);
        const hi = view.getInt32(at + 8 * i + 4, true);
        // fits in int32 exactly when the high word is the sign extension of the low one
        if (hi !== (lo >= 0x80000000 ? -1 : 0)) fail(i, String(view.getBigInt64(at + 8 * i, true)));
        out[i] = lo | 0;
      }
      return out;
    },
  },
  I16: elementwise(2, 'int32', (v, at) => v.getInt16(at, true)),
  I8: elementwise(1, 'int32', (v, at) => v.getInt8(at)),
  U8: elementwise(1, 'int32', (v, at) => v.getUint8(at)),
  BOOL: {
    bytes: 1,
    dtype: 'bool',
    read(view, at, n) {
      // any non-zero byte is true, as in NumPy and PyTorch; our bool ops expect exactly 0 or 1
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint8(at + i) === 0 ? 0 : 1;
      return out;
    },
  },
};

/** Dtypes of the format that neurite has no tensor type for. */
const UNSUPPORTED_DTYPES = new Set([
  'U16',
  'U32',
  'U64',
  'C64',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
]);

/** Compares two strings by UTF-8 bytes (= code points), the order of Rust's `str::cmp`. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000–U+FFFF; code point order puts them above
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function checkText(s: string, what: string): void {
  if (LONE_SURROGATE.test(s)) {
    throw new ValueError(
      `encodeSafetensors: ${what} ${JSON.stringify(s)} is not valid Unicode (lone surrogate)`,
    );
  }
}

function tensorBytes(t: Tensor): Uint8Array {
  const data = t.data;
  if (t.dtype === 'bool') {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i] === 0 ? 0 : 1;
    return out;
  }
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (t.dtype === 'float32') view.setFloat32(4 * i, data[i], true);
    else view.setInt32(4 * i, data[i], true);
  }
  return out;
}

/**
 * Serialises tensors (float32 → F32, int32 → I32, bool → BOOL) and optional string metadata into a
 * safetensors file, laid out exactly as the reference writer lays it out: tensors sorted by dtype alignment
 * (widest first) then by name, `__metadata__` first in the header, the header padded with spaces to a
 * multiple of 8 bytes. The same tensors always give the same bytes.
 *
 * ```ts
 * const bytes = io.encodeSafetensors(model.stateDict(), { format: 'pt' });
 * ```
 */
export function encodeSafetensors(tensors: TensorDict, metadata?: Record<string, string>): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null) {
    throw new ValueError(`encodeSafetensors: expected an object of tensors, got ${String(tensors)}`);
  }
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (!isTensor(t)) {
      throw new ValueError(`encodeSafetensors: '${name}' is not a Tensor (got ${typeof t})`);
    }
    if (name === METADATA_KEY) {
      throw new ValueError(`encodeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    }
    checkText(name, 'tensor name');
  }
  entries.sort(
    ([an, a], [bn, b]) => WRITE_DTYPES[b.dtype].order - WRITE_DTYPES[a.dtype].order || compareUtf8(an, bn),
  );

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null) {
      throw new ValueError(
        `encodeSafetensors: metadata must be an object of strings, got ${String(metadata)}`,
      );
    }
    const fields: string[] = [];
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new ValueError(`encodeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
      }
      checkText(k, 'metadata key');
      checkText(v, `metadata '${k}' value`);
      fields.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.push(`"${METADATA_KEY}":{${fields.join(',')}}`);
  }
  let offset = 0;
  const buffers: Uint8Array[] = [];
  for (const [name, t] of entries) {
    const bytes = tensorBytes(t);
    // serde_json writes exactly this: compact, fields in declaration order
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${WRITE_DTYPES[t.dtype].name}","shape":[${t.shape.join(',')}],` +
        `"data_offsets":[${offset},${offset + bytes.length}]}`,
    );
    buffers.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_SIZE) {
    throw new ValueError(
      `encodeSafetensors: the header would be ${headerLength} bytes, more than readers accept (${MAX_HEADER_SIZE})`,
    );
  }

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const b of buffers) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: string;
  reader: Reader;
  shape: number[];
  begin: number;
  end: number;
}

const TO_SAFETENSORS =
  'convert it in Python: from safetensors.torch import save_file; ' +
  'save_file(torch.load("model.pt", weights_only=True), "model.safetensors") ' +
  '(for a pickled whole model, save its .state_dict())';

/**
 * Names the format of files often mistaken for safetensors, from their first bytes: a safetensors file starts
 * with a little-endian header length and then `{`, which none of these can.
 */
function otherFormat(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    return `this is a zip archive — a PyTorch file saved with torch.save (a pickle inside a zip), not safetensors; ${TO_SAFETENSORS}`;
  }
  if (starts(0x80) && bytes.length > 1 && bytes[1] >= 2 && bytes[1] <= 5) {
    return `this is a Python pickle (PyTorch's older torch.save format), not safetensors; neurite does not run pickles; ${TO_SAFETENSORS}`;
  }
  if (starts(0x89, 0x48, 0x44, 0x46)) {
    return 'this is an HDF5 file (Keras .h5 weights), not safetensors';
  }
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) {
    return 'this is a NumPy .npy array, not safetensors';
  }
  return null;
}

/**
 * Reads a safetensors file from its bytes. F32, I32 and BOOL load as they are; F16, BF16 and F64 convert to
 * float32; I64, I16, I8 and U8 to int32 (an I64 value outside int32 is an error, not a wrap-around). The data
 * is copied into fresh arrays, so `bytes` may be reused afterwards.
 *
 * Every malformed file is a {@link FormatError} saying what is wrong and where: too short, a header length
 * past the end, a header that is not a JSON object, missing or ill-typed fields, duplicate names, sizes that
 * disagree with shape × dtype, offsets that overlap, leave gaps or run past the buffer, non-string metadata.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): DecodedSafetensors {
  const source = options.source ?? 'decodeSafetensors';
  const fail = (message: string): never => {
    throw new FormatError(`${source}: ${message}`);
  };
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(`${source}: expected a Uint8Array of file bytes, got ${typeof bytes}`);
  }
  const other = otherFormat(bytes);
  if (other) fail(other);
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, too short to hold the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    fail(
      `truncated: header says ${declared} bytes but the file has ${bytes.length} ` +
        `(${bytes.length - 8} after the 8-byte length)`,
    );
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_SIZE) {
    fail(`header is ${headerLength} bytes, more than the ${MAX_HEADER_SIZE} the format allows`);
  }
  if (headerLength === 0 || bytes[8] !== 0x7b) {
    fail(`header must be a JSON object starting with '{'`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let root: JsonValue;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return fail(`header is not valid JSON: ${e.message}`);
    throw e;
  }
  if (!(root instanceof JsonObject)) return fail(`header must be a JSON object, got ${jsonKind(root)}`);

  const metadata: Record<string, string> = Object.create(null);
  let sawMetadata = false;
  const seen = new Set<string>();
  const headers: HeaderEntry[] = [];
  for (const [name, value] of root.entries) {
    if (name === METADATA_KEY) {
      if (sawMetadata) fail(`duplicate '${METADATA_KEY}' in header`);
      sawMetadata = true;
      readMetadata(value, metadata, fail);
      continue;
    }
    if (seen.has(name)) fail(`duplicate tensor name '${name}' in header`);
    seen.add(name);
    headers.push(readEntry(name, value, fail));
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  checkLayout(headers, dataLength, fail);

  const tensors: TensorDict = Object.create(null);
  for (const h of headers) {
    const n = h.shape.reduce((a, b) => a * b, 1);
    const data = h.reader.read(view, dataStart + h.begin, n, (index, value) =>
      fail(`tensor '${h.name}' (${h.dtype}): value ${value} at index ${index} does not fit in int32`),
    );
    tensors[h.name] = new Tensor(data, h.shape);
  }
  return { tensors, metadata };
}

type Fail = (message: string) => never;

function readMetadata(value: JsonValue, out: Record<string, string>, fail: Fail): void {
  if (!(value instanceof JsonObject)) {
    fail(`'${METADATA_KEY}' must be an object of strings, got ${jsonKind(value)}`);
  }
  for (const [k, v] of value.entries) {
    if (k in out) fail(`duplicate metadata key '${k}'`);
    if (typeof v !== 'string') fail(`metadata '${k}' must be a string, got ${jsonKind(v)}`);
    out[k] = v;
  }
}

function readEntry(name: string, value: JsonValue, fail: Fail): HeaderEntry {
  const where = `tensor '${name}'`;
  if (!(value instanceof JsonObject)) {
    return fail(`${where}: expected {dtype, shape, data_offsets}, got ${jsonKind(value)}`);
  }
  const fields = new Map<string, JsonValue>();
  for (const [k, v] of value.entries) {
    if (fields.has(k)) fail(`${where}: duplicate field '${k}'`);
    fields.set(k, v);
  }
  const field = (k: string): JsonValue => {
    if (!fields.has(k)) fail(`${where}: missing field '${k}'`);
    return fields.get(k) as JsonValue;
  };
  const count = (v: JsonValue, what: string): number => {
    const n = v instanceof JsonNumber && /^(0|[1-9][0-9]*)$/.test(v.text) ? v.value : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      fail(
        `${where}: ${what} must be a non-negative integer, got ${v instanceof JsonNumber ? v.text : jsonKind(v)}`,
      );
    }
    return n;
  };

  const dtype = field('dtype');
  if (typeof dtype !== 'string') return fail(`${where}: dtype must be a string, got ${jsonKind(dtype)}`);
  const reader = READERS[dtype];
  if (!reader || !Object.hasOwn(READERS, dtype)) {
    const supported = Object.keys(READERS).join(', ');
    return fail(
      UNSUPPORTED_DTYPES.has(dtype)
        ? `${where}: dtype ${dtype} is not supported (neurite reads ${supported})`
        : `${where}: unknown dtype ${JSON.stringify(dtype)} (neurite reads ${supported})`,
    );
  }

  const shapeValue = field('shape');
  if (!Array.isArray(shapeValue))
    return fail(`${where}: shape must be an array, got ${jsonKind(shapeValue)}`);
  const shape = shapeValue.map((d, i) => count(d, `shape[${i}]`));

  const offsets = field('data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    return fail(
      `${where}: data_offsets must be [begin, end], got ${Array.isArray(offsets) ? `${offsets.length} values` : jsonKind(offsets)}`,
    );
  }
  const begin = count(offsets[0], 'data_offsets[0]');
  const end = count(offsets[1], 'data_offsets[1]');
  if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);

  let elements = 1;
  for (const d of shape) elements *= d;
  const needed = elements * reader.bytes;
  if (!Number.isSafeInteger(needed)) fail(`${where}: shape ${fmtShape(shape)} is too large`);
  if (needed !== end - begin) {
    fail(
      `${where}: shape ${fmtShape(shape)} of ${dtype} needs ${needed} bytes but data_offsets ` +
        `[${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype, reader, shape, begin, end };
}

/** The data buffer must be tiled exactly: sorted by offset, each tensor starts where the previous ended. */
function checkLayout(headers: readonly HeaderEntry[], dataLength: number, fail: Fail): void {
  const byOffset = [...headers].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | null = null;
  for (const h of byOffset) {
    if (h.end > dataLength) {
      fail(
        `tensor '${h.name}': data_offsets [${h.begin}, ${h.end}] run past the end of the data buffer ` +
          `(${dataLength} bytes; the file may be truncated)`,
      );
    }
    if (h.begin < covered && previous) {
      fail(
        `tensors '${previous.name}' [${previous.begin}, ${previous.end}] and '${h.name}' ` +
          `[${h.begin}, ${h.end}] overlap`,
      );
    }
    if (h.begin > covered) {
      fail(`bytes [${covered}, ${h.begin}) of the data buffer belong to no tensor (before '${h.name}')`);
    }
    covered = h.end;
    previous = h;
  }
  if (covered !== dataLength) {
    fail(
      `the file has ${dataLength - covered} bytes after the last tensor's data ` +
        `(the tensors cover ${covered} of ${dataLength} bytes)`,
    );
  }
}
