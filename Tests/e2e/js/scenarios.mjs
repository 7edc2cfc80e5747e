// Scenarios run with the official socket.io-client 4.8.1 (its browser bundle, from .cache/js) in Node, against a
// running gatewayd: `node --experimental-websocket scenarios.mjs <scenario> <base url> <polling|websocket|upgrade>
// <json options>`. Prints one JSON object of what the client saw; exits 1 on an error or when a step does not
// complete within its bound.
import { createRequire } from "node:module";
import { XMLHttpRequest } from "./xhr.mjs";
import { ADMIN_HEADERS, STEP_BOUND_MS, next } from "./steps.mjs";

globalThis.XMLHttpRequest = XMLHttpRequest;
const require = createRequire(import.meta.url);
const io = require(new URL("../../../.cache/js/socket.io.min.js", import.meta.url).pathname);

const [scenario, base, mode, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions || "{}");

const transports = { polling: { transports: ["polling"] }, websocket: { transports: ["websocket"] }, upgrade: {} }[mode];

/** Connects; `early` names events to start waiting for before the CONNECT answer (they may arrive with it). */
async function connect(path, extra = {}, early = []) {
  const socket = io(base + path, { ...transports, reconnection: false, forceNew: true, ...extra });
  socket.early = Object.fromEntries(early.map((event) => [event, next(socket, event)]));
  await next(socket, "connect");
  return socket;
}

/** `emit` with an ack, the ack's arguments as an array. */
function call(socket, event, ...args) {
  return socket.timeout(STEP_BOUND_MS).emitWithAck(event, ...args).then((value) => [value]);
}

/** The ack's arguments when an ack has several (Feathers' error-first callback). */
function callAll(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), STEP_BOUND_MS);
    socket.emit(event, ...args, (...ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

async function upgraded(socket) {
  if (mode !== "upgrade") return socket.io.engine.transport.name;
  if (socket.io.engine.transport.name !== "websocket") await next(socket.io.engine, "upgrade");
  return socket.io.engine.transport.name;
}

async function admin(method, path, body) {
  const response = await fetch(base + path, {
    method, headers: { "content-type": "application/json", ...ADMIN_HEADERS },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

const scenarios = {
  // Enfyra's chat flow on handlers/chat: the welcome, acks, ws:result, rooms.
  async chat() {
    const alice = await connect("/chat", {}, ["welcome"]);
    const bob = await connect("/chat");
    const out = { welcome: (await alice.early.welcome)[0] };
    const joinResult = next(alice, "ws:result");
    out.join = (await call(alice, "joinRoom", { room: "lobby" }))[0];
    out.joinResult = (await joinResult)[0];
    // The join's ack says it is queued: bob is in the room once its run's ws:result arrives.
    const bobJoined = next(bob, "ws:result");
    await call(bob, "joinRoom", { room: "lobby" });
    await bobJoined;
    const heard = next(bob, "message");
    const result = next(alice, "ws:result");
    out.ack = (await call(alice, "message", { room: "lobby", text: "hi" }))[0];
    out.result = (await result)[0];
    out.heard = (await heard)[0];
    out.transport = await upgraded(alice);
    alice.disconnect();
    bob.disconnect();
    return out;
  },

  // BAASIX: path /realtime, auth {token}, acked join, item events from hooks when the admin API writes.
  async baasix() {
    const socket = await connect("/", { path: "/realtime", auth: { token: options.token } });
    const out = {};
    out.joinOwn = (await call(socket, "join", `user:${options.userId}`))[0];
    out.joinOther = (await call(socket, "join", "user:somebody-else"))[0];
    out.joinCollection = (await call(socket, "join", "collection:posts"))[0];
    const created = next(socket, "item.created");
    out.item = await admin("POST", "/admin/collections/posts/items", { title: "from the backend" });
    out.created = (await created)[0];
    const notified = next(socket, "notification.new");
    await admin("POST", "/admin/collections/notifications/items", { userId: options.userId, title: "ping" });
    out.notification = (await notified)[0];
    out.transport = await upgraded(socket);
    socket.disconnect();
    return out;
  },

  // Feathers: the call sequence @feathersjs/socketio-client makes, with error-first callbacks.
  async feathers() {
    const socket = await connect("/");
    const out = {};
    out.signUp = await callAll(socket, "create", "users", { email: options.email, password: "pw" }, {});
    out.login = await callAll(socket, "create", "authentication", { strategy: "local", email: options.email, password: "pw" }, {});
    const created = next(socket, "messages created");
    out.create = await callAll(socket, "create", "messages", { text: "hello from js" }, {});
    out.event = (await created)[0];
    out.find = await callAll(socket, "find", "messages", { $limit: 1, text: "hello from js" });
    out.notFound = await callAll(socket, "get", "nope", "1", {});
    out.notAllowed = await callAll(socket, "find", "authentication", {});
    out.transport = await upgraded(socket);
    socket.disconnect();
    return out;
  },
};

const bound = setTimeout(() => {
  console.error(`scenario ${scenario} did not finish`);
  process.exit(1);
}, 6 * STEP_BOUND_MS);

try {
  const out = await scenarios[scenario]();
  console.log(JSON.stringify(out));
  clearTimeout(bound);
  process.exit(0);
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
