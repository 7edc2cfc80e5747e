// The "Direct connection" section of @feathersjs/socketio-client's document (shared/reference/
// feathers-socketio-client.txt), call by call, with the official socket.io-client 4.8.1 (its browser bundle, from
// .cache/js) in Node against gatewayd serving examples/feathers:
// `node --experimental-websocket feathers_direct.mjs <base url> <polling|websocket>`. Every `socket.emit` below is
// the document's line, with its callback where the document has one and none where it has none. Prints one JSON
// object of what the client saw; exits 1 on an error or when a step does not complete within its bound.
// `next` and the step bound come from steps.mjs; the other helpers follow scenarios.mjs, which runs its scenario on import.
import http from "node:http";
import { createRequire } from "node:module";
import { XMLHttpRequest } from "./xhr.mjs";
import { ADMIN_HEADERS, STEP_BOUND_MS, next } from "./steps.mjs";

// The browser bundle opens `new WebSocket(url)`, which cannot carry `extraHeaders` (a browser sends none on a
// WebSocket); the client's Node build hands them to `ws`. Node's own WebSocket takes `headers` as an option, so this
// does what the Node build does: the socket being opened sends the `extraHeaders` it was given. Set before the bundle
// loads, which reads `globalThis.WebSocket` once.
const NodeWebSocket = globalThis.WebSocket;
let openingHeaders;
globalThis.WebSocket = class extends NodeWebSocket {
  constructor(url, protocols) {
    super(url, openingHeaders ? { protocols, headers: openingHeaders } : protocols);
  }
};
globalThis.XMLHttpRequest = XMLHttpRequest;
const require = createRequire(import.meta.url);
const io = require(new URL("../../../.cache/js/socket.io.min.js", import.meta.url).pathname);

const [base, mode] = process.argv.slice(2);
const transports = { polling: { transports: ["polling"] }, websocket: { transports: ["websocket"] } }[mode];

/** Every `event` the socket receives, in order; `seen.until(n)` waits until there are n of them. */
function record(socket, event) {
  const seen = [];
  const waiting = [];
  socket.on(event, (data) => {
    seen.push(data);
    for (const wait of waiting.splice(0)) wait();
  });
  seen.until = (count) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${seen.length} of ${count} ${event} within ${STEP_BOUND_MS} ms`)), STEP_BOUND_MS);
    const check = () => {
      if (seen.length >= count) {
        clearTimeout(timer);
        resolve(seen.slice(0, count));
      } else {
        waiting.push(check);
      }
    };
    check();
  });
  return seen;
}

async function connect(extra = {}) {
  openingHeaders = extra.extraHeaders;
  const socket = io(base, { ...transports, reconnection: false, forceNew: true, ...extra });
  try {
    await next(socket, "connect");
  } finally {
    openingHeaders = undefined;
  }
  return socket;
}

/** `socket.emit(method, path, ...args, (error, data) => …)`: the callback's arguments. */
function callAll(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no callback for ${event} ${args[0]}`)), STEP_BOUND_MS);
    socket.emit(event, ...args, (...ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

/** An admin API call on a connection of its own, closed after it. Not `fetch`: Node's WebSocket opens its handshake
 * on a keep-alive connection that an earlier `fetch` to the same origin left in the pool, where gatewayd (whose
 * upgrader reads only a connection's first request) answers 307 to retry on a fresh one, which Node's WebSocket
 * does not follow. */
function admin(method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(base + path, {
      method, agent: false, headers: { "content-type": "application/json", connection: "close", ...ADMIN_HEADERS },
    }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => { text += chunk; });
      response.on("end", () => resolve(JSON.parse(text)));
    });
    request.on("error", reject);
    request.end(payload);
  });
}

async function direct() {
  const out = {};
  const sockets = [];
  try {
    const socket = await connect();
    sockets.push(socket);
    const created = record(socket, "messages created");
    const updated = record(socket, "messages updated");
    const patched = record(socket, "messages patched");
    const removed = record(socket, "messages removed");

    // Authentication: a user to sign in as, then the document's local strategy.
    out.signUp = await callAll(socket, "create", "users", { email: "hello@feathersjs.com", password: "supersecret" });
    out.authResult = await callAll(socket, "create", "authentication", {
      strategy: "local",
      email: "hello@feathersjs.com",
      password: "supersecret",
    });
    const authResult = out.authResult[1];

    // "When a socket disconnects and then reconnects, it has to be authenticated again": the same socket object
    // reconnects (no request before authenticating: the document's connect handler).
    socket.disconnect();
    socket.connect();
    await next(socket, "connect");
    out.afterReconnect = await callAll(socket, "find", "messages", {});
    socket.disconnect();
    const reauthenticated = new Promise((resolve) => {
      socket.once("connect", () => {
        socket.emit("create", "authentication", {
          strategy: "jwt",
          accessToken: authResult.accessToken,
        }, function (error, newAuthResult) {
          resolve([error, newAuthResult]);
        });
      });
    });
    socket.connect();
    out.newAuthResult = await reauthenticated;

    // create, with a callback and with an array (no callback).
    out.create = await callAll(socket, "create", "messages", {
      text: "I really have to iron",
    });
    socket.emit("create", "messages", [
      { text: "I really have to iron" },
      { text: "Do laundry" },
    ]);
    out.created = await created.until(3);

    // get
    out.get = await callAll(socket, "get", "messages", 1);
    out.getFetchAll = await callAll(socket, "get", "messages", 1, { fetch: "all" });

    // update
    out.update = await callAll(socket, "update", "messages", 2, {
      text: "I really have to do laundry",
    });
    out.updatedEvent = (await updated.until(1))[0];

    // patch
    out.patch = await callAll(socket, "patch", "messages", 2, {
      read: true,
    });
    out.patchedEvent = (await patched.until(1))[0];

    // find
    out.readBy10 = await callAll(socket, "create", "messages", { text: "read by 10", status: "read", user: 10 });
    await callAll(socket, "create", "messages", { text: "read by 11", status: "read", user: 11 });
    out.find = await callAll(socket, "find", "messages", { status: "read", user: 10 });

    // update with a null id (no callback): refused, nothing changes; the marker is an update of message 3.
    out.incomplete = await callAll(socket, "create", "messages", [{ text: "six", complete: false }, { text: "seven", complete: false }]);
    socket.emit("update", "messages", null, {
      complete: true,
    }, { complete: false });
    out.updateMarker = await callAll(socket, "update", "messages", 3, { text: "marker" });
    await updated.until(2);
    out.updatedEvents = updated.slice();
    out.stillIncomplete = await callAll(socket, "find", "messages", { complete: false });
    out.updateNull = await callAll(socket, "update", "messages", null, { complete: true }, { complete: false });

    // patch with a null id and a query
    out.patchNull = await callAll(socket, "patch", "messages", null, {
      complete: true,
    }, {
      complete: false,
    });
    out.patchedEvents = await patched.until(3);

    // remove
    out.remove = await callAll(socket, "remove", "messages", 2, { cascade: true });
    out.removedEvent = (await removed.until(1))[0];
    out.read = await callAll(socket, "create", "messages", [{ text: "eight", read: true }, { text: "nine", read: true }]);
    socket.emit("remove", "messages", null, { read: true });
    out.removedEvents = await removed.until(3);
    out.left = await callAll(socket, "find", "messages", { $sort: { createdAt: 1 } });

    // Service events of a service path with a slash: my/messages, the signed-in user's own messages.
    const myUpdated = next(socket, "my/messages updated");
    out.myUpdate = await new Promise((resolve) => {
      socket.emit("update", "my/messages", 1, {
        text: "Updated text",
      }, {}, function (error, callback) {
        resolve([error, callback]);
      });
    });
    out.myUpdatedEvent = (await myUpdated)[0];

    // A custom event, from the backend to Feathers' `authenticated` channel.
    const myevent = next(socket, "messages myevent");
    out.myeventDelivered = await admin("POST", "/admin/emit", {
      target: { room: "authenticated" }, event: "messages myevent", args: [{ type: "custom" }],
    });
    out.myevent = (await myevent)[0];

    // A service or method that does not exist.
    out.noService = await callAll(socket, "find", "todos", {});
    out.noMethod = await callAll(socket, "frobnicate", "messages", {});

    // extraHeaders: a second socket, authenticated by its handshake, in the authenticated channel.
    const headed = await connect({
      extraHeaders: {
        Authorization: `Bearer ${authResult.accessToken}`,
      },
    });
    sockets.push(headed);
    out.headedFind = await callAll(headed, "find", "messages", { $limit: 0 });
    const headedCreated = next(headed, "messages created");
    out.last = await callAll(socket, "create", "messages", { text: "to every signed-in socket" });
    out.headedCreated = (await headedCreated)[0];
    out.transport = socket.io.engine.transport.name;
    out.headedTransport = headed.io.engine.transport.name;
    return out;
  } finally {
    for (const socket of sockets) socket.disconnect();
  }
}

const bound = setTimeout(() => {
  console.error("feathers_direct did not finish");
  process.exit(1);
}, 12 * STEP_BOUND_MS);

try {
  const out = await direct();
  console.log(JSON.stringify(out));
  clearTimeout(bound);
  process.exit(0);
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
