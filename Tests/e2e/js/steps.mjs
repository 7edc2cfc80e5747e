// What the Node scenarios share: the bound on every step, and waiting for one event.
export const STEP_BOUND_MS = 10000;

/** Resolves with the first `event` the socket receives (its arguments), or fails past the bound. */
export function next(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${STEP_BOUND_MS} ms`)), STEP_BOUND_MS);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}
