/**
 * How a studio worker starts: it chooses its backend, says so, and then takes its page's messages. Every
 * training worker starts through `serve`.
 */
import { chooseBackend } from './backend.js';

/** The messages every worker may post, whatever else its protocol has (`where` is for pages that ask). */
type ReadyOrError = { type: 'ready'; backend: string } | { type: 'error'; message: string; where: 'setup' };

/**
 * Chooses the backend and posts `ready` with its name (or `error` if none can run), and only then handles the
 * page's messages: one at a time, in the order they came (a handler may await, as setup awaits the data), so a
 * message never runs beside the one before it and no model is built before its backend is chosen. The page may
 * send its setup at once; it waits in the queue. A handler that throws does not stop the ones after it:
 * `onError` gets the error's message (the worker stops training and posts it to the page).
 */
export function serve<T>(
  post: (msg: ReadyOrError) => void,
  handle: (msg: T) => Promise<void> | void,
  onError: (message: string) => void,
): void {
  let queue: Promise<void> = chooseBackend().then(
    (backend) => post({ type: 'ready', backend }),
    (e) => post({ type: 'error', message: (e as Error)?.message ?? String(e), where: 'setup' }),
  );
  self.onmessage = (event: MessageEvent<T>) => {
    queue = queue.then(() => handle(event.data)).catch((e) => onError((e as Error)?.message ?? String(e)));
  };
}
