// Connection state recovery with the official socket.io-client 4.8.1 (its own recovery logic) in Node:
// `node --experimental-websocket recovery.mjs <scenario> <proxy url> <direct url> <polling|websocket|upgrade> <json>`
// (options: `control`, the cutting proxy's control URL). The scenarios are recovery-scenarios.mjs, shared with the
// Chromium page (../browser/recovery.html). Prints one JSON object of what A saw; exits 1 on an error or when a step
// does not complete within its bound.
import { createRequire } from "node:module";
import { XMLHttpRequest } from "./xhr.mjs";
import { ADMIN_HEADERS, STEP_BOUND_MS, next } from "./steps.mjs";
import { scenarios } from "./recovery-scenarios.mjs";

globalThis.XMLHttpRequest = XMLHttpRequest;
const require = createRequire(import.meta.url);
const io = require(new URL("../../../.cache/js/socket.io.min.js", import.meta.url).pathname);

const [scenario, proxy, direct, mode, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions || "{}");
const admin = (method, path, body) => fetch(direct + path, {
  method, headers: { "content-type": "application/json", ...ADMIN_HEADERS }, body: body && JSON.stringify(body),
});

try {
  const result = await scenarios[scenario]({ io, next, bound: STEP_BOUND_MS, proxy, direct, mode, control: options.control, admin });
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error.stack || error}\n${JSON.stringify(globalThis.seen)}\n`);
  process.exit(1);
}
