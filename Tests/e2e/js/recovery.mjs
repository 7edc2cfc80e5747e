// Connection state recovery with the official socket.io-client 4.8.1 (its own recovery logic) in Node:
// `node --experimental-websocket recovery.mjs <scenario> <proxy url> <direct url> <polling|websocket|upgrade> <json>`
// (options: `control`, the cutting proxy's control URL). Client A connects through the proxy, which resets its TCP
// connections mid-stream; publisher B connects directly. Prints one JSON object of what A saw; exits 1 on an error or
// when a step does not complete within its bound.
import { createRequire } from "node:module";
import { XMLHttpRequest } from "./xhr.mjs";
import { ADMIN_HEADERS, STEP_BOUND_MS, next } from "./steps.mjs";

globalThis.XMLHttpRequest = XMLHttpRequest;
const require = createRequire(import.meta.url);
const io = require(new URL("../../../.cache/js/socket.io.min.js", import.meta.url).pathname);

const [scenario, proxy, direct, mode, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions || "{}");
const transports = { polling: { transports: ["polling"] }, websocket: { transports: ["websocket"] }, upgrade: {} }[mode];
const ROOM_MESSAGES = 200;
const WORK_EVENTS = 100;

const control = (action) => fetch(`${options.control}/${action}`, { method: "POST" });
const call = (socket, event, arg) => socket.timeout(STEP_BOUND_MS).emitWithAck(event, arg);
const admin = (method, path, body) => fetch(direct + path, {
  method, headers: { "content-type": "application/json", ...ADMIN_HEADERS }, body: body && JSON.stringify(body),
});

/** Resolves once `predicate()` holds, checking every 20 ms; fails past the bound. */
async function until(predicate, what) {
  const deadline = Date.now() + STEP_BOUND_MS * 3;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`not within the bound: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function itemExists(collection, id) {
  const response = await admin("GET", `/admin/collections/${collection}/items?filter=${encodeURIComponent(JSON.stringify({ id }))}`);
  return response.ok && (await response.json()).data.length === 1;
}

function recording(socket) {
  const seen = { room: [], results: [], offsets: [], connects: 0, disconnects: [], acks: [] };
  globalThis.seen = seen;
  socket.on("room", (message, offset) => { seen.room.push(message.n); seen.offsets.push(offset); });
  socket.on("ws:result", (result, offset) => { seen.results.push(result); seen.offsets.push(offset); });
  socket.on("connect", () => { seen.connects += 1; });
  socket.on("disconnect", (reason) => { seen.disconnects.push(reason); });
  return seen;
}

async function recover() {
  const a = io(proxy + "/live", { ...transports, reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0, forceNew: true });
  const seen = recording(a);
  await next(a, "connect");
  const first = { id: a.id, recovered: a.recovered };
  seen.acks.push(await call(a, "join", "r"));
  seen.acks.push(await call(a, "keep", { x: 1 }));
  seen.acks.push(await call(a, "signIn", "ann"));
  // 100 queued events: the first holds the lane until the gate opens, so every result comes after the cut.
  for (let n = 0; n < WORK_EVENTS; n++) {
    const [ack] = await call(a, "work", { n }).then((value) => [value]);
    if (!ack.accepted) throw new Error(`work ${n} not accepted: ${JSON.stringify(ack)}`);
  }
  const b = io(direct + "/live", { transports: ["websocket"], forceNew: true, reconnection: false });
  await next(b, "connect");
  let cut = false;
  const gone = next(a, "disconnect");
  const publishing = (async () => {
    for (let n = 0; n < ROOM_MESSAGES; n++) {
      await call(b, "publish", { n });
      if (!cut && seen.room.length >= ROOM_MESSAGES / 4) {
        cut = true;
        await control("block");
        await control("cut");
      }
    }
  })();
  await gone;
  // While A is away: the rest of the room stream, and every queued event's result.
  await publishing;
  await admin("POST", "/admin/collections/gate/items", { id: "open" });
  await until(() => itemExists("done", "last"), "the last work event ran");
  await control("unblock");
  await next(a, "connect");
  const again = { id: a.id, recovered: a.recovered };
  await until(() => seen.room.length >= ROOM_MESSAGES && seen.results.length >= WORK_EVENTS, "every missed packet arrived");
  const [whoami] = await call(a, "whoami").then((value) => [value]);
  // A marker after everything: what arrived by then is all that will.
  await call(b, "publish", { n: "marker" });
  await until(() => seen.room.includes("marker"), "the marker");
  // A leaves through its gateway (`SOCKET.disconnect`): the one disconnect handler run the test expects for A.
  const left = next(a, "disconnect");
  await call(a, "leave");
  await left;
  b.close();
  a.close();
  return { first, again, seen, whoami };
}

async function expire() {
  const a = io(proxy + "/live", { ...transports, reconnection: false, forceNew: true });
  const seen = recording(a);
  await next(a, "connect");
  const first = { id: a.id };
  await call(a, "join", "r");
  await call(a, "publish", { n: 0 }); // an offset for A to resume from
  await until(() => seen.room.length === 1, "A's own room message");
  const gone = next(a, "disconnect");
  await control("cut");
  await gone;
  // The window (the gateway's maxDisconnectionMs) ends: the disconnect handler runs, once.
  await until(() => itemExists("disconnects", first.id), "the disconnect handler ran");
  a.connect();
  await next(a, "connect");
  const again = { id: a.id, recovered: a.recovered };
  const [whoami] = await call(a, "whoami").then((value) => [value]);
  a.close();
  return { first, again, seen, whoami };
}

async function overflow() {
  const a = io(proxy + "/live", { ...transports, reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0, forceNew: true });
  const seen = recording(a);
  await next(a, "connect");
  const first = { id: a.id };
  await call(a, "join", "r");
  const b = io(direct + "/live", { transports: ["websocket"], forceNew: true, reconnection: false });
  await next(b, "connect");
  await call(b, "publish", { n: 0 });
  await until(() => seen.room.length === 1, "A's first room message");
  const gone = next(a, "disconnect");
  await control("block");
  await control("cut");
  await gone;
  // More than the server's recovery buffer holds, while A is away.
  for (let n = 1; n <= 40; n++) await call(b, "publish", { n, pad: "x".repeat(1000) });
  await control("unblock");
  await next(a, "connect");
  const again = { id: a.id, recovered: a.recovered };
  const [whoami] = await call(a, "whoami").then((value) => [value]);
  b.close();
  a.close();
  return { first, again, seen, whoami };
}

const scenarios = { recover, expire, overflow };
try {
  const result = await scenarios[scenario]();
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error.stack || error}\n${JSON.stringify(globalThis.seen)}\n`);
  process.exit(1);
}
