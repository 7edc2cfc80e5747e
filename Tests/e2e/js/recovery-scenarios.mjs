// The connection state recovery scenarios, shared by Node (recovery.mjs) and headless Chromium
// (../browser/recovery.html), so both run the same steps with the official socket.io-client 4.8.1. Client A connects
// through the cutting proxy (`cutting_proxy.py`), which resets its TCP connections mid-stream; publisher B connects
// directly. Nothing here is Node's or the browser's: each scenario takes its environment,
//   { io, next, bound, proxy, direct, mode, control, admin }
// `io` the client, `next(socket, event)` the first such event (failing past the bound), `bound` the ms every step
// gets, `proxy` / `direct` the proxy's and gatewayd's URLs, `mode` polling|websocket|upgrade, `control` the proxy's
// control URL, `admin(method, path, body)` an admin API request answering a fetch Response. Each resolves with what A
// saw; `globalThis.seen` keeps it for a failure's report.
const ROOM_MESSAGES = 200;
const WORK_EVENTS = 100;
const TRANSPORTS = { polling: { transports: ["polling"] }, websocket: { transports: ["websocket"] }, upgrade: {} };

function tools(env) {
  const control = async (action) => {
    const response = await fetch(`${env.control}/${action}`, { method: "POST" });
    if (!response.ok) throw new Error(`the proxy's ${action} failed: ${response.status}`);
  };
  const call = (socket, event, arg) => socket.timeout(env.bound).emitWithAck(event, arg);
  /** Resolves once `predicate()` holds, checking every 20 ms; fails past the bound. */
  async function until(predicate, what) {
    const deadline = Date.now() + env.bound * 3;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`not within the bound: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  async function itemExists(collection, id) {
    const response = await env.admin("GET", `/admin/collections/${collection}/items?filter=${encodeURIComponent(JSON.stringify({ id }))}`);
    return response.ok && (await response.json()).data.length === 1;
  }
  const transports = TRANSPORTS[env.mode];
  if (!transports) throw new Error(`unknown mode ${env.mode}`);
  return { control, call, until, itemExists, transports };
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

/** Client A through the proxy, reconnecting quickly after a cut (unless `reconnection` is false), connected. */
async function connectA(env, transports, reconnection = true) {
  const options = reconnection ? { reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0 } : { reconnection: false };
  const a = env.io(env.proxy + "/live", { ...transports, ...options, forceNew: true });
  const seen = recording(a);
  await env.next(a, "connect");
  return { a, seen, first: { id: a.id, recovered: a.recovered } };
}

/** Publisher B, directly on the server. */
async function connectB(env) {
  const b = env.io(env.direct + "/live", { transports: ["websocket"], forceNew: true, reconnection: false });
  await env.next(b, "connect");
  return b;
}

/** Cuts A and refuses its reconnections until `away()` (what happens while A is away) is done; A's state once back. */
async function awayAndBack(env, control, a, away) {
  const gone = env.next(a, "disconnect");
  await control("block");
  await control("cut");
  await gone;
  await away();
  await control("unblock");
  await env.next(a, "connect");
  return { id: a.id, recovered: a.recovered };
}

export async function recover(env) {
  const { next } = env;
  const { control, call, until, itemExists, transports } = tools(env);
  const { a, seen, first } = await connectA(env, transports);
  seen.acks.push(await call(a, "join", "r"));
  seen.acks.push(await call(a, "keep", { x: 1 }));
  seen.acks.push(await call(a, "signIn", "ann"));
  // 100 queued events: the first holds the lane until the gate opens, so every result comes after the cut.
  for (let n = 0; n < WORK_EVENTS; n++) {
    const [ack] = await call(a, "work", { n }).then((value) => [value]);
    if (!ack.accepted) throw new Error(`work ${n} not accepted: ${JSON.stringify(ack)}`);
  }
  const b = await connectB(env);
  const gone = next(a, "disconnect");
  // A's connection is cut as its quarter of the room stream arrives, whatever B has published by then (through
  // another node of a cluster, B's acks run ahead of A's deliveries): the rest is in flight or not yet sent.
  let cutting;
  const quarter = () => {
    if (seen.room.length < ROOM_MESSAGES / 4 || cutting) return;
    cutting = control("block").then(() => control("cut"));
  };
  a.on("room", quarter);
  const publishing = (async () => {
    for (let n = 0; n < ROOM_MESSAGES; n++) await call(b, "publish", { n });
  })();
  await gone;
  a.off("room", quarter);
  // While A is away: the rest of the room stream, and every queued event's result.
  await publishing;
  await env.admin("POST", "/admin/collections/gate/items", { id: "open" });
  await until(() => itemExists("done", "last"), "the last work event ran");
  return comeBackAndLeave(env, { a, b, seen, first },
    () => seen.room.length >= ROOM_MESSAGES && seen.results.length >= WORK_EVENTS);
}

/** A comes back (the proxy lets it through again) and gets what it missed (`arrived()` holds), answers `whoami`, sees
 *  B's marker after everything (what arrived by then is all that will), and leaves through its gateway
 *  (`SOCKET.disconnect`): the one disconnect handler run the tests expect for A, after which its node keeps nothing of
 *  it. What the scenario resolves with. */
async function comeBackAndLeave(env, { a, b, seen, first }, arrived) {
  const { control, call, until } = tools(env);
  await control("unblock");
  await env.next(a, "connect");
  const again = { id: a.id, recovered: a.recovered };
  await until(arrived, "every missed packet arrived");
  const [whoami] = await call(a, "whoami").then((value) => [value]);
  await call(b, "publish", { n: "marker" });
  await until(() => seen.room.includes("marker"), "the marker");
  const left = env.next(a, "disconnect");
  await call(a, "leave");
  await left;
  b.close();
  a.close();
  return { first, again, seen, whoami };
}

export async function expire(env) {
  const { next } = env;
  const { control, call, until, itemExists, transports } = tools(env);
  const { a, seen, first } = await connectA(env, transports, false);
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

export async function overflow(env) {
  const { control, call, transports, until } = tools(env);
  const { a, seen, first } = await connectA(env, transports);
  await call(a, "join", "r");
  const b = await connectB(env);
  await call(b, "publish", { n: 0 });
  await until(() => seen.room.length === 1, "A's first room message");
  // More than the server's recovery buffer holds, while A is away.
  const again = await awayAndBack(env, control, a, async () => {
    for (let n = 1; n <= 40; n++) await call(b, "publish", { n, pad: "x".repeat(1000) });
  });
  const [whoami] = await call(a, "whoami").then((value) => [value]);
  b.close();
  a.close();
  return { first, again, seen, whoami };
}

/** A joins room r after a message went to it, then drops before it has received anything (no offset to resume
 *  from): the recovery replays what r got while A was away, not what it got before A joined. */
export async function lateJoin(env) {
  const { control, call, transports, until } = tools(env);
  const { a, seen, first } = await connectA(env, transports);
  const b = await connectB(env);
  await call(b, "publish", { n: "before" });
  await call(a, "join", "r");
  const again = await awayAndBack(env, control, a, () => call(b, "publish", { n: "away" }));
  await call(b, "publish", { n: "marker" });
  await until(() => seen.room.includes("marker"), "the marker");
  b.close();
  a.close();
  return { first, again, seen };
}

/** A (in room r, with data and a user) hears a quarter of B's room messages, then its node goes down — the proxy's
 *  `down` action, run by the test, while the proxy refuses A — and B, on another node, publishes the rest; after the
 *  `up` action (if any) A comes back and must recover everything. */
async function awayWithItsNode(env, down, up) {
  const { next } = env;
  const { control, call, until, transports } = tools(env);
  const { a, seen, first } = await connectA(env, transports);
  seen.acks.push(await call(a, "join", "r"));
  seen.acks.push(await call(a, "keep", { x: 1 }));
  seen.acks.push(await call(a, "signIn", "ann"));
  const b = await connectB(env);
  for (let n = 0; n < ROOM_MESSAGES / 4; n++) await call(b, "publish", { n });
  await until(() => seen.room.length === ROOM_MESSAGES / 4, "A's first room messages");
  const gone = next(a, "disconnect");
  await control("block");
  await control(down);
  await gone;
  for (let n = ROOM_MESSAGES / 4; n < ROOM_MESSAGES; n++) await call(b, "publish", { n });
  if (up) await control(up);
  return comeBackAndLeave(env, { a, b, seen, first }, () => seen.room.length >= ROOM_MESSAGES);
}

/** A's node dies unseen (`kill`: SIGKILL, and A cut): nobody wrote A's session at the disconnection, yet A comes back
 *  through B's node with its id, rooms, data and user, and every room message once and in order. */
export const nodeKilled = (env) => awayWithItsNode(env, "kill");

/** A's node stops (`stop`: SIGTERM, A's session kept as it leaves) and starts again (`start`) with an empty log: it
 *  takes in the other node's as it starts, so A, back on it, recovers what was sent while it was down too. */
export const nodeRestarted = (env) => awayWithItsNode(env, "stop", "start");

export const scenarios = { recover, expire, overflow, lateJoin, nodeKilled, nodeRestarted };
