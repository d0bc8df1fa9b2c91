import { DTypeError, FormatError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { peekGrad, Tensor } from '../tensor/tensor.js';

/** Hyperparameters every optimiser has; each optimiser extends this with its own. */
export interface BaseHyper {
  lr: number;
}

/**
 * Values LR schedulers keep on a parameter group, as PyTorch does (`initial_lr`, `max_lr`, …), so that they
 * travel with the optimiser's state dict.
 */
export interface SchedulerFields {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

/** A parameter group: its parameters and the hyperparameters used for them (mutable: schedulers set `lr`). */
export type ParamGroup<H extends BaseHyper = BaseHyper> = H & SchedulerFields & { params: Tensor[] };

/** A parameter group as given to a constructor: options left out fall back to the optimiser's. */
export type ParamGroupInput<H extends BaseHyper> = { params: readonly Tensor[] } & Partial<H>;

/** What an optimiser constructor takes: a list of parameters, or a list of parameter groups. */
export type Params<H extends BaseHyper> = readonly Tensor[] | readonly ParamGroupInput<H>[];

/** Per-parameter optimiser state: tensors (`exp_avg`, `momentum_buffer`…), counters, or null. */
export type ParamState = Record<string, Tensor | number | null>;

/**
 * An optimiser's state in PyTorch's layout: `state` maps each parameter's index (counted across the groups in
 * order) to its state, `param_groups` holds each group's hyperparameters under PyTorch's snake_case names and
 * the indices of its parameters.
 */
export interface OptimizerStateDict {
  state: Record<string, Record<string, Tensor | number | null>>;
  param_groups: Record<string, unknown>[];
}

/** Flags of torch.optim that select an implementation, not an update rule; dropped when loading. */
const TORCH_ONLY_KEYS = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

/** Throws unless `value` is a number ≥ 0; `what` reads like "learning rate". */
export function checkNonNegative(where: string, what: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new ValueError(`${where}: invalid ${what} ${value} (must be >= 0)`);
  }
}

/**
 * The base of every optimiser. Holds parameter groups and per-parameter state; `step()` updates every
 * parameter that has a gradient, in place, outside autograd.
 *
 * Subclasses give their update rule for one parameter (`update`), the state a parameter starts with
 * (`initState`) and the checks of a group's hyperparameters (`validateGroup`).
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper, S extends ParamState = ParamState> {
  /** The parameter groups; `lr` and the other hyperparameters may be changed between steps. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** The hyperparameters a group falls back to for options it does not set. */
  readonly defaults: Readonly<Partial<H>>;
  /** Per-parameter state, created the first time a parameter is updated. */
  protected state = new Map<Tensor, S>();

  /**
   * @param name the optimiser's name, for error messages
   * @param params parameters, or parameter groups with their own options
   * @param defaults options for groups that do not set them
   */
  constructor(
    readonly name: string,
    params: Params<H>,
    defaults: Partial<H>,
  ) {
    this.defaults = Object.freeze(dropUndefined(defaults));
    if (!Array.isArray(params) || params.length === 0) {
      throw new ValueError(`${name}: got an empty parameter list`);
    }
    if (params[0] instanceof Tensor) {
      this.addGroup({ params: params as readonly Tensor[] } as ParamGroupInput<H>, name);
    } else {
      for (const g of params as readonly ParamGroupInput<H>[]) this.addParamGroup(g);
    }
  }

  /** Adds a group of parameters (for example layers unfrozen while fine-tuning), with its own options. */
  addParamGroup(group: ParamGroupInput<H>): void {
    this.addGroup(group, `${this.name} param group ${this.paramGroups.length}`);
  }

  private addGroup(group: ParamGroupInput<H>, where: string): void {
    if (group === null || typeof group !== 'object' || !Array.isArray(group.params)) {
      throw new ValueError(`${where}: expected a list of tensors or of { params: Tensor[], ...options }`);
    }
    const params = [...group.params];
    const seen = new Set<Tensor>();
    for (const [i, p] of params.entries()) {
      if (!(p instanceof Tensor)) throw new ValueError(`${where}: parameter ${i} is not a Tensor`);
      if (p.dtype !== 'float32') {
        throw new DTypeError(`${where}: can only optimise float32 tensors, parameter ${i} is ${p.dtype}`);
      }
      if (!p.isLeaf)
        throw new ValueError(`${where}: parameter ${i} is not a leaf tensor and cannot be optimised`);
      if (seen.has(p)) throw new ValueError(`${where}: parameter ${i} appears twice in the group`);
      seen.add(p);
    }
    for (const other of this.paramGroups) {
      if (other.params.some((p) => seen.has(p))) {
        throw new ValueError(`${where}: some parameters appear in more than one parameter group`);
      }
    }
    const merged = {
      ...copyArrays(this.defaults),
      ...copyArrays(dropUndefined(group)),
      params,
    } as ParamGroup<H>;
    if (merged.lr === undefined) throw new ValueError(`${where}: no learning rate (lr) given`);
    this.validateGroup(merged, where);
    this.paramGroups.push(merged);
  }

  /** Throws a ValueError naming `where` if a hyperparameter of `group` is out of range. */
  protected abstract validateGroup(group: ParamGroup<H>, where: string): void;

  /** The state a parameter starts with. */
  protected abstract initState(param: Tensor, group: ParamGroup<H>): S;

  /**
   * Updates one parameter's values in place from its gradient and state. `values` is `param.data`, typed;
   * the kernel loops over it directly since this runs every step for every parameter.
   */
  protected abstract update(
    param: Tensor,
    values: Float32Array,
    grad: Float32Array,
    state: S,
    group: ParamGroup<H>,
  ): void;

  /** One optimisation step over every parameter that has a gradient; parameters without one are skipped. */
  step(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = peekGrad(p);
        if (g === null) continue;
        if (g.size !== p.size || g.dtype !== 'float32') {
          throw new ShapeError(
            `${this.name}.step: gradient ${fmtShape(g.shape)} (${g.dtype}) does not match parameter ${fmtShape(p.shape)}`,
          );
        }
        let s = this.state.get(p);
        if (s === undefined) {
          s = this.initState(p, group);
          this.state.set(p, s);
        }
        this.update(p, p.data as Float32Array, g.data as Float32Array, s, group);
      }
    }
  }

  /**
   * Forgets every parameter's gradient (sets `grad` to null), as before a new backward pass. Gradients nobody
   * read through `.grad` give their memory to the next pass.
   */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /**
   * A snapshot of the optimiser in PyTorch's layout (see {@link OptimizerStateDict}): state tensors are copies,
   * hyperparameters use PyTorch's names (`weight_decay`, `initial_lr`, …).
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[toSnake(k)] = copyValue(v);
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p);
      });
      return packed;
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, Tensor | number | null> = {};
      for (const [k, v] of Object.entries(s)) entry[k] = v instanceof Tensor ? v.clone() : v;
      state[String(i)] = entry;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores a state dict made by {@link stateDict} (or converted from PyTorch's): the groups take the saved
   * hyperparameters and keep their parameters, matched by position; state tensors are copied.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (!stateDict || typeof stateDict.state !== 'object' || !Array.isArray(stateDict.param_groups)) {
      throw new FormatError(`${where}: expected an object with 'state' and 'param_groups'`);
    }
    const saved = stateDict.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new FormatError(
        `${where}: the state dict has ${saved.length} parameter groups, the optimiser ${this.paramGroups.length}`,
      );
    }
    const byIndex = new Map<number, [Tensor, number]>();
    const groups = this.paramGroups.map((g, gi) => {
      const ids = saved[gi].params;
      if (!Array.isArray(ids) || ids.length !== g.params.length) {
        throw new FormatError(
          `${where}: parameter group ${gi} has ${Array.isArray(ids) ? ids.length : 'no'} parameters in the state dict, ${g.params.length} in the optimiser`,
        );
      }
      for (const [k, id] of ids.entries()) byIndex.set(Number(id), [g.params[k], gi]);
      const merged: Record<string, unknown> = { ...(g as object) };
      for (const [k, v] of Object.entries(saved[gi])) {
        if (k !== 'params' && !TORCH_ONLY_KEYS.has(k)) merged[toCamel(k)] = copyValue(v);
      }
      merged.params = g.params;
      const group = merged as unknown as ParamGroup<H>;
      if (typeof group.lr !== 'number') throw new FormatError(`${where}: parameter group ${gi} has no lr`);
      this.validateGroup(group, `${where} (param group ${gi})`);
      return group;
    });
    const state = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(stateDict.state)) {
      const found = byIndex.get(Number(key));
      if (!found)
        throw new FormatError(`${where}: state for parameter ${key}, which no parameter group lists`);
      const [p, gi] = found;
      state.set(p, this.castState(p, groups[gi], entry, `${where}: state of parameter ${key}`));
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state = state;
  }

  /** Checks a loaded state against the one the parameter would start with, and copies it. */
  private castState(p: Tensor, group: ParamGroup<H>, entry: Record<string, unknown>, where: string): S {
    if (entry === null || typeof entry !== 'object') throw new FormatError(`${where}: not an object`);
    const fresh = this.initState(p, group);
    const out: ParamState = {};
    for (const [k, ref] of Object.entries(fresh)) {
      const v = entry[k];
      if (v === undefined) throw new FormatError(`${where}: '${k}' is missing`);
      if (ref instanceof Tensor || (ref === null && v !== null)) {
        // counters such as Adam's step are scalar tensors in PyTorch ≥ 1.12 but plain numbers before
        const shape = ref instanceof Tensor ? ref.shape : p.shape;
        if (typeof v === 'number' && shape.length === 0) {
          out[k] = new Tensor(Float32Array.of(v), []);
          continue;
        }
        if (!(v instanceof Tensor) || v.size !== (ref instanceof Tensor ? ref.size : p.size)) {
          const got = v instanceof Tensor ? fmtShape(v.shape) : typeof v;
          throw new FormatError(
            `${where}: '${k}' should be a tensor of shape ${fmtShape(shape)}, got ${got}`,
          );
        }
        out[k] = new Tensor(Float32Array.from(v.data), shapesEqual(v.shape, shape) ? v.shape : shape);
      } else if (typeof ref === 'number') {
        if (typeof v === 'number') out[k] = v;
        else if (v instanceof Tensor && v.size === 1) out[k] = v.data[0];
        else throw new FormatError(`${where}: '${k}' should be a number`);
      } else {
        out[k] = null;
      }
    }
    return out as S;
  }
}

/** Copies array-valued options (betas) so that groups never share one array. */
function copyArrays<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = copyValue(v);
  return out as T;
}

function dropUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** A float32 tensor of zeros shaped like `p`, for optimiser state. */
export function zerosState(p: Tensor, value = 0): Tensor {
  const t = new Tensor(new Float32Array(p.size), p.shape);
  if (value !== 0) t.data.fill(value);
  return t;
}

/** A scalar float32 step counter, as PyTorch keeps it. */
export function stepCounter(): Tensor {
  return new Tensor(new Float32Array(1), []);
}
