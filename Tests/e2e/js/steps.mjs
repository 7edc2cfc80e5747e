// What the Node scenarios share: the bound on every step, waiting for one event, and the admin API's headers.
export const STEP_BOUND_MS = 10000;

/** The admin token the test harness gave the daemon (E2E_ADMIN_TOKEN: on PostgreSQL, Tests/e2e/conftest.py), if any. */
const adminToken = process.env.E2E_ADMIN_TOKEN;
export const ADMIN_HEADERS = adminToken ? { authorization: `Bearer ${adminToken}` } : {};

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
