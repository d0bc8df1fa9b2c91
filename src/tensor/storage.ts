/**
 * Which tensors share a buffer, and which of them no user code has ever seen: what the autograd engine needs to
 * prove that a forward activation's memory is dead once its graph is released (backend/pool.ts reuses it).
 *
 * A tensor is *internal* when library code made it and passed it only to other library code: the output of one
 * layer of a Sequential fed straight into the next, both library layers that keep nothing (nn/container.ts marks
 * them). Its memory may be reused once every tensor ever made over the same buffer is internal and the graph
 * holding them is gone — a view handed to the user (Flatten as the last layer), a detached copy or a `.data` read
 * through some user-visible tensor over the buffer keeps it. Anything that lets user code reach an internal tensor
 * (reading a graph node's inputs) makes it escape: it is then treated as the user's.
 */

/**
 * What this file needs of a tensor: the array over its buffer. A structural type, so that this leaf imports neither
 * dtype.ts nor tensor.ts, which both import it (no import cycle).
 */
interface View {
  readonly data: ArrayBufferView;
}

/** Tensors made over each buffer, and how many of those are internal. */
const views = new WeakMap<ArrayBufferLike, number>();
const internalViews = new WeakMap<ArrayBufferLike, number>();
/** The internal tensors. */
const internal = new WeakSet<View>();

/** Counts a new tensor over `data`'s buffer (the Tensor constructor calls it). */
export function noteView(data: ArrayBufferView): void {
  const b = data.buffer;
  views.set(b, (views.get(b) ?? 0) + 1);
}

/** Forgets the tensors counted over `buffer`: it was recycled, none of them is used any more. */
export function forgetViews(buffer: ArrayBufferLike): void {
  views.delete(buffer);
  internalViews.delete(buffer);
}

/** Marks a tensor as internal; a second mark does nothing. */
export function markInternal(tensor: View): void {
  if (internal.has(tensor)) return;
  internal.add(tensor);
  const b = tensor.data.buffer;
  internalViews.set(b, (internalViews.get(b) ?? 0) + 1);
}

/** User code may now hold `tensor`: it no longer counts as internal. */
export function markEscaped(tensor: View): void {
  if (!internal.delete(tensor)) return;
  const b = tensor.data.buffer;
  const n = internalViews.get(b) ?? 0;
  if (n > 1) internalViews.set(b, n - 1);
  else internalViews.delete(b);
}

export function isInternal(tensor: View): boolean {
  return internal.has(tensor);
}

/** Whether every tensor ever made over `buffer` is internal (and there is at least one). */
export function onlyInternalViews(buffer: ArrayBufferLike): boolean {
  const n = internalViews.get(buffer);
  return n !== undefined && n === views.get(buffer);
}
