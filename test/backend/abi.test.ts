/**
 * The C++ side of the kernel ABI agrees with src/backend/kernel-abi.ts: the op-code enums of native/kernels.h list
 * the ops in the order of the TypeScript tables, the geometry records (ConvGeom and PoolGeom in native/common.h,
 * GemmGeom in native/gemm.h, BatchNormGeom in native/kernels.h) have their fields in the order TypeScript packs
 * them, TypeScript's packers write them in that order, and the WebAssembly and N-API glue pass the optimisers'
 * hyperparameters in the order of their structs. The headers are parsed as text, so a mismatch fails here, naming the
 * enum or struct and the first position that differs, instead of silently computing the wrong op.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BatchNormInfo, Conv2dInfo, GemmInfo, Pool2dInfo } from '../../src/backend/backend.js';
import {
  BATCH_NORM_FIELDS,
  BINARY_OPS,
  CONV_GEOM_FIELDS,
  GEMM_FIELDS,
  POOL_GEOM_FIELDS,
  packBatchNorm,
  packConv,
  packGemm,
  packPool,
  REDUCE_OPS,
  UNARY_GRAD_OPS,
  UNARY_OPS,
} from '../../src/backend/kernel-abi.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const stripComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/** The enumerators of `enum name { … }` in `header`, in order. */
function enumerators(header: string, name: string): string[] {
  const m = new RegExp(`enum\\s+${name}\\s*\\{([^}]*)\\}`).exec(stripComments(header));
  if (!m) throw new Error(`enum ${name} not found`);
  return m[1]
    .split(',')
    .map((e) => e.split('=')[0].trim())
    .filter((e) => e !== '');
}

/** The data members of `struct name { … }` in `header`, in declaration order (member functions are skipped). */
function structFields(header: string, name: string): string[] {
  const m = new RegExp(`struct\\s+${name}\\s*\\{([\\s\\S]*?)\\n\\};`).exec(stripComments(header));
  if (!m) throw new Error(`struct ${name} not found`);
  // drop member function bodies, innermost braces first
  let body = m[1];
  for (let prev = ''; prev !== body; ) {
    prev = body;
    body = body.replace(/\{[^{}]*\}/g, ';');
  }
  const fields: string[] = [];
  for (const decl of body.split(';')) {
    const d = decl.trim();
    if (d === '' || d.includes('(')) continue;
    // "int64_t a, b, c" → a, b, c: the type is the first word
    const names = d.replace(/^\s*[\w:]+\s+/, '');
    for (const n of names.split(',')) fields.push(n.trim());
  }
  return fields;
}

/** kLeakyRelu → leakyRelu; kGradRelu → relu with prefix 'kGrad'. */
function enumToOp(e: string, prefix: string): string {
  if (!e.startsWith(prefix)) throw new Error(`enumerator ${e} does not start with ${prefix}`);
  const rest = e.slice(prefix.length);
  return rest[0].toLowerCase() + rest.slice(1);
}

// ConvGeom and PoolGeom abbreviate the words of the TypeScript field names.
const WORDS: Record<string, string> = {
  c: 'channels',
  h: 'height',
  w: 'width',
  k: 'kernel',
  dil: 'dilation',
  t: 'top',
  l: 'left',
};

/**
 * in_c → inChannels, pad_t → padTop, count_include_pad → countIncludePad, bias2_sqrt → bias2Sqrt; without
 * `abbreviations`, words are kept as they are (stride_c → strideC).
 */
function fieldToTs(field: string, abbreviations: Record<string, string> = WORDS): string {
  return field
    .split('_')
    .map((w, i) => {
      const word = abbreviations[w] ?? w;
      return i === 0 ? word : word[0].toUpperCase() + word.slice(1);
    })
    .join('');
}

/** Throws a message naming `what` and the first position where the C++ list and the TypeScript list differ. */
function expectSameOrder(
  what: string,
  cpp: readonly string[],
  ts: readonly string[],
  sides: readonly [string, string] = ['C++', 'TypeScript'],
): void {
  const n = Math.max(cpp.length, ts.length);
  const [left, right] = sides;
  for (let i = 0; i < n; i++) {
    if (cpp[i] !== ts[i]) {
      throw new Error(
        `${what}: position ${i} is ${cpp[i] ?? '(nothing)'} in ${left} but ${ts[i] ?? '(nothing)'} in ${right} ` +
          `(${left}: ${cpp.join(', ')}; ${right}: ${ts.join(', ')})`,
      );
    }
  }
}

/** Every check of this file over the given sources, so a test can run them over an edited copy. */
function checkAbi(src: Sources): void {
  const ops: [string, string, readonly string[]][] = [
    ['BinaryOp', 'k', BINARY_OPS],
    ['UnaryOp', 'k', UNARY_OPS],
    ['UnaryGradOp', 'kGrad', UNARY_GRAD_OPS],
    ['ReduceOp', 'k', REDUCE_OPS],
  ];
  for (const [name, prefix, ts] of ops) {
    const cpp = enumerators(src.kernels, name).map((e) => enumToOp(e, prefix));
    expectSameOrder(`enum ${name} (native/kernels.h) vs kernel-abi.ts`, cpp, ts);
  }
  for (const g of GEOMETRY) {
    const header = src[g.header];
    const cpp = structFields(header, g.struct).map((f) => fieldToTs(f, g.abbreviated ? WORDS : {}));
    expectSameOrder(`struct ${g.struct} (native/${g.header}.h) vs kernel-abi.ts`, cpp, g.fields);
    // from() must read the packed values in order, one per field
    const from = new RegExp(
      `struct\\s+${g.struct}[\\s\\S]*?from\\([^)]*\\)\\s*\\{([\\s\\S]*?)\\n\\s*\\}`,
    ).exec(header);
    if (!from) throw new Error(`${g.struct}::from not found in native/${g.header}.h`);
    const indices = [...from[1].matchAll(/v\[(\d+)\]/g)].map((m) => m[1]);
    expectSameOrder(
      `${g.struct}::from (native/${g.header}.h) reads`,
      indices,
      g.fields.map((_, i) => String(i)),
    );
    checkPacker(g.packer, g.pack, g.fields);
  }
  // The optimisers' hyperparameters: each struct, the WebAssembly export's trailing parameters and its
  // initialiser, the N-API glue's argument indices (after the arrays), the Addon interface's parameters, and the
  // order in which wrapKernels passes them.
  for (const k of OPTIMISER_KERNELS) checkHyper(src, k);
}

/**
 * A geometry record: the C++ struct and the header that declares it (its fields abbreviated or not), the
 * TypeScript field order, and the function that packs it.
 */
interface Geometry {
  struct: string;
  header: 'common' | 'gemm' | 'kernels';
  abbreviated: boolean;
  fields: readonly string[];
  packer: string;
  /** The packer over a fresh buffer; `info` is a plain record of the fields, as the check builds it. */
  pack: (info: Record<string, number | boolean>) => ArrayLike<number>;
}

const GEOMETRY: Geometry[] = [
  {
    struct: 'ConvGeom',
    header: 'common',
    abbreviated: true,
    fields: CONV_GEOM_FIELDS,
    packer: 'packConv',
    pack: (info) => packConv(new Int32Array(16), info as unknown as Conv2dInfo),
  },
  {
    struct: 'PoolGeom',
    header: 'common',
    abbreviated: true,
    fields: POOL_GEOM_FIELDS,
    packer: 'packPool',
    pack: (info) => packPool(new Int32Array(16), info as unknown as Pool2dInfo),
  },
  {
    struct: 'GemmGeom',
    header: 'gemm',
    abbreviated: false,
    fields: GEMM_FIELDS,
    packer: 'packGemm',
    pack: (info) => packGemm(new Float64Array(GEMM_FIELDS.length), info as unknown as GemmInfo),
  },
  {
    struct: 'BatchNormGeom',
    header: 'kernels',
    abbreviated: false,
    fields: BATCH_NORM_FIELDS,
    packer: 'packBatchNorm',
    pack: (info) => packBatchNorm(new Int32Array(4), info as unknown as BatchNormInfo),
  },
];

/**
 * The packer writes field i at position i: packed with one field set (a boolean to true, a number to 7) and the
 * rest 0 or false, exactly position i holds a non-zero value.
 */
function checkPacker(name: string, pack: Geometry['pack'], fields: readonly string[]): void {
  const written: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const packed = (value: number | boolean) => {
      const info: Record<string, number | boolean> = Object.fromEntries(fields.map((f) => [f, 0]));
      info[fields[i]] = value;
      return Array.from(pack(info));
    };
    const number = packed(7);
    const flag = packed(true);
    const at = number.indexOf(7) >= 0 ? number.indexOf(7) : flag.indexOf(1);
    written[at] = fields[i];
  }
  expectSameOrder(
    `${name} (kernel-abi.ts) writes`,
    Array.from(fields, (_, i) => written[i] ?? '(nothing)'),
    fields,
    ['the packed array', 'the field list'],
  );
}

/** An optimiser kernel: its C++ name, its hyperparameter struct, and how many arrays come before the scalars. */
interface OptimiserKernel {
  cpp: string;
  ts: string;
  struct: string;
  arrays: number;
}

const OPTIMISER_KERNELS: OptimiserKernel[] = [
  { cpp: 'adam_step', ts: 'adamStep', struct: 'AdamHyper', arrays: 5 },
  { cpp: 'sgd_step', ts: 'sgdStep', struct: 'SgdHyper', arrays: 3 },
  { cpp: 'rmsprop_step', ts: 'rmspropStep', struct: 'RmspropHyper', arrays: 5 },
  { cpp: 'adagrad_step', ts: 'adagradStep', struct: 'AdagradHyper', arrays: 3 },
];

function checkHyper(src: Sources, k: OptimiserKernel): void {
  const hyper = structFields(src.kernels, k.struct);
  const wasm = new RegExp(`wasm_${k.cpp}\\(([^)]*)\\)\\s*\\{\\s*const ${k.struct} h\\{([^}]*)\\}`).exec(
    src.exports,
  );
  if (!wasm) throw new Error(`wasm_${k.cpp} not found in native/wasm/exports.cc`);
  const params = wasm[1]
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.startsWith('double '))
    .map((p) => p.slice('double '.length).trim());
  expectSameOrder(`wasm_${k.cpp} parameters (native/wasm/exports.cc) vs struct ${k.struct}`, params, hyper);
  const init = wasm[2].split(',').map((p) => p.trim());
  expectSameOrder(`wasm_${k.cpp} initialiser (native/wasm/exports.cc) vs struct ${k.struct}`, init, hyper);
  const napi = new RegExp(`js_${k.cpp}[\\s\\S]*?${k.struct} h\\{([^}]*)\\}`).exec(src.addon);
  if (!napi) throw new Error(`js_${k.cpp} not found in native/addon.cc`);
  const args = [...napi[1].matchAll(/a\.number\((\d+)\)/g)].map((m) => m[1]);
  expectSameOrder(
    `js_${k.cpp} argument indices (native/addon.cc)`,
    args,
    hyper.map((_, i) => String(k.arrays + i)),
  );
  const names = hyper.map((f) => fieldToTs(f));
  const decl = new RegExp(`\\b${k.ts}\\(\\s*p: Float32Array,([\\s\\S]*?)\\): void;`).exec(src.abi);
  if (!decl) throw new Error(`${k.ts} not found in the Addon interface of kernel-abi.ts`);
  const tsParams = [...decl[1].matchAll(/(\w+): number/g)].map((m) => m[1]);
  expectSameOrder(`Addon.${k.ts} (kernel-abi.ts) vs struct ${k.struct}`, names, tsParams);
  const call = new RegExp(`addon\\.${k.ts}\\(([^)]*)\\)`).exec(src.abi);
  if (!call) throw new Error(`wrapKernels does not call addon.${k.ts} in kernel-abi.ts`);
  const passed = [...call[1].matchAll(/\bh\.(\w+)/g)].map((m) => m[1]);
  expectSameOrder(`wrapKernels' addon.${k.ts} call (kernel-abi.ts) vs struct ${k.struct}`, names, passed);
}

interface Sources {
  kernels: string;
  common: string;
  gemm: string;
  exports: string;
  addon: string;
  abi: string;
}

const sources = (): Sources => ({
  abi: read('src/backend/kernel-abi.ts'),
  kernels: read('native/kernels.h'),
  common: read('native/common.h'),
  gemm: read('native/gemm.h'),
  exports: read('native/wasm/exports.cc'),
  addon: read('native/addon.cc'),
});

describe('kernel ABI: native/ agrees with kernel-abi.ts', () => {
  it("op-code enums, geometry records, their packers and the optimisers' hyperparameters are in the same order", () => {
    expect(() => checkAbi(sources())).not.toThrow();
  });

  it('fails, naming the enum and the position, when kernels.h reorders an enum', () => {
    const s = sources();
    const swapped = { ...s, kernels: s.kernels.replace(/kMaximum,(\s*)kMinimum/, 'kMinimum,$1kMaximum') };
    expect(swapped.kernels).not.toBe(s.kernels);
    expect(() => checkAbi(swapped)).toThrow(
      /enum BinaryOp \(native\/kernels\.h\) vs kernel-abi\.ts: position 5 is minimum in C\+\+ but maximum/,
    );
  });

  it('fails when an op is added to an enum but not to the TypeScript table', () => {
    const s = sources();
    const added = { ...s, kernels: s.kernels.replace('kCeil,', 'kCeil,\n  kTrunc,') };
    expect(() => checkAbi(added)).toThrow(/enum UnaryOp .*position 19 is trunc in C\+\+ but round/);
  });

  it('fails, naming the struct, when a geometry record reorders its fields', () => {
    const s = sources();
    const swapped = {
      ...s,
      common: s.common.replace('stride_h, stride_w, pad_t, pad_l', 'stride_h, stride_w, pad_l, pad_t'),
    };
    expect(swapped.common).not.toBe(s.common);
    expect(() => checkAbi(swapped)).toThrow(/struct ConvGeom .*position 11 is padLeft in C\+\+ but padTop/);
  });

  it('fails, naming the struct, when the GEMM record reorders alpha and beta', () => {
    const s = sources();
    const swapped = { ...s, gemm: s.gemm.replace('float alpha, beta;', 'float beta, alpha;') };
    expect(swapped.gemm).not.toBe(s.gemm);
    expect(() => checkAbi(swapped)).toThrow(
      /struct GemmGeom \(native\/gemm\.h\) vs kernel-abi\.ts: position 6 is beta in C\+\+ but alpha/,
    );
  });

  it('fails when GemmGeom::from reads the packed values out of order', () => {
    const s = sources();
    const swapped = {
      ...s,
      gemm: s.gemm.replace(
        'static_cast<float>(v[6]), static_cast<float>(v[7])',
        'static_cast<float>(v[7]), static_cast<float>(v[6])',
      ),
    };
    expect(swapped.gemm).not.toBe(s.gemm);
    expect(() => checkAbi(swapped)).toThrow(
      /GemmGeom::from \(native\/gemm\.h\) reads: position 6 is 7 in C\+\+ but 6/,
    );
  });

  it('fails when the batch-norm record reorders its sizes', () => {
    const s = sources();
    const swapped = {
      ...s,
      kernels: s.kernels.replace('int64_t batch, channels, inner;', 'int64_t channels, batch, inner;'),
    };
    expect(swapped.kernels).not.toBe(s.kernels);
    expect(() => checkAbi(swapped)).toThrow(
      /struct BatchNormGeom .*position 0 is channels in C\+\+ but batch/,
    );
  });

  it('fails when a packer writes a field into another position than the field list says', () => {
    const swapped: Geometry['pack'] = (info) => {
      const b = packGemm(new Float64Array(GEMM_FIELDS.length), info as unknown as GemmInfo);
      [b[6], b[7]] = [b[7], b[6]];
      return b;
    };
    expect(() => checkPacker('packGemm', swapped, GEMM_FIELDS)).toThrow(
      /packGemm \(kernel-abi\.ts\) writes: position 6 is beta in the packed array but alpha in the field list/,
    );
    const dropped: Geometry['pack'] = (info) =>
      packBatchNorm(new Int32Array(4), { ...(info as unknown as BatchNormInfo), training: false });
    expect(() => checkPacker('packBatchNorm', dropped, BATCH_NORM_FIELDS)).toThrow(
      /position 3 is \(nothing\) in the packed array but training/,
    );
  });

  it('fails when the N-API glue reads an SGD hyperparameter from the wrong argument', () => {
    const s = sources();
    const shifted = {
      ...s,
      addon: s.addon.replace('SgdHyper h{a.number(3), a.number(4)', 'SgdHyper h{a.number(4), a.number(3)'),
    };
    expect(shifted.addon).not.toBe(s.addon);
    expect(() => checkAbi(shifted)).toThrow(/js_sgd_step argument indices .*position 0 is 4 in C\+\+ but 3/);
  });

  it('fails when wrapKernels passes RMSprop hyperparameters in another order than the struct', () => {
    const s = sources();
    const swapped = { ...s, abi: s.abi.replace('h.lr, h.alpha, h.eps', 'h.alpha, h.lr, h.eps') };
    expect(swapped.abi).not.toBe(s.abi);
    expect(() => checkAbi(swapped)).toThrow(/addon\.rmspropStep call .*position 0 is lr in C\+\+ but alpha/);
  });

  it('fails when the WebAssembly glue passes Adam hyperparameters out of order', () => {
    const s = sources();
    const swapped = { ...s, exports: s.exports.replace('{beta1, beta2,', '{beta2, beta1,') };
    expect(swapped.exports).not.toBe(s.exports);
    expect(() => checkAbi(swapped)).toThrow(/wasm_adam_step initialiser .*position 0 is beta2/);
  });
});
