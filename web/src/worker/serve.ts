/**
 * How a studio worker takes its page's messages and says it is ready: the part every training worker shares.
 */
import { chooseBackend } from './backend.js';

/** The messages every worker may post, whatever else its protocol has. */
type ReadyOrError = { type: 'ready'; backend: string } | { type: 'error'; message: string };

/**
 * Handles the page's messages one at a time, in order (a handler may await, as setup awaits the data), so a
 * message never runs beside the one before it. A handler that throws does not stop the ones after it:
 * `onError` gets the error's message (the worker stops training and posts it to the page).
 */
export function handleInOrder<T>(
  handle: (msg: T) => Promise<void>,
  onError: (message: string) => void,
): void {
  let queue: Promise<void> = Promise.resolve();
  self.onmessage = (event: MessageEvent<T>) => {
    queue = queue.then(() => handle(event.data)).catch((e) => onError((e as Error)?.message ?? String(e)));
  };
}

/** Chooses the backend and posts `ready` with its name, or `error` if none can run; resolves once posted. */
export function announceBackend(post: (msg: ReadyOrError) => void): Promise<void> {
  return chooseBackend().then(
    (backend) => post({ type: 'ready', backend }),
    (e) => post({ type: 'error', message: (e as Error).message }),
  );
}
