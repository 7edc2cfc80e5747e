// The cluster soak's clients (bench/cluster_soak.py runs it): the official socket.io-client 4.8.1, which recovers its
// session after a disconnection by itself, in Node.
//   node --experimental-websocket bench/cluster-soak.mjs '<config JSON>'
// config: { nodes: [url…], clientsPerNode, seconds, publishRate, eventEveryMs, drainMs, waveNode }
// Every client connects straight to its node (a quarter over long-polling first, then the upgrade; the rest over
// WebSocket), joins the room `all`, and sends `work` (queued: ack, then `ws:result`) and `calc` (its result in the ack)
// every `eventEveryMs` (jittered). One publisher on the first node sends `publish` n = 1, 2, … at `publishRate`: every
// node's clients get `numbered` n through the cluster. After `seconds` the publisher stops and the clients wait (at
// most `drainMs`) for the last number and their answers. stderr: `ready` once every client is in the room, then
// `draining`; stdout: one JSON object of what each client saw. The checks are the orchestrator's.
import { createRequire } from "node:module";
import { XMLHttpRequest } from "../Tests/e2e/js/xhr.mjs";

globalThis.XMLHttpRequest = XMLHttpRequest;
const require = createRequire(import.meta.url);
const io = require(new URL("../.cache/js/socket.io.min.js", import.meta.url).pathname);

const config = JSON.parse(process.argv[2]);
const ACK_BOUND_MS = 30000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function client(node, index, wave = 0) {
  const transports = index % 4 === 0 ? {} : { transports: ["websocket"] };
  const socket = io(config.nodes[node] + "/soak", {
    ...transports, forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 1000, randomizationFactor: 0.5,
  });
  const seen = {
    node, wave, numbers: [], connects: 0, recovered: 0, notRecovered: 0, disconnects: [], sent: 0, acked: 0,
    answers: {}, errors: {}, ackTimeouts: 0, calcWrong: 0, calcTimeouts: 0, refused: [], brokenRecoveries: [],
  };
  let joined = false;
  socket.on("connect", () => {
    seen.connects += 1;
    if (seen.connects === 1) return;
    if (socket.recovered) {
      seen.recovered += 1;
      // A recovered socket is whole: its handlers see SOCKET.data as a table, as before.
      socket.timeout(ACK_BOUND_MS).emit("state", (error, state) => {
        if (error || state.data !== "table" || !state.recovered) seen.brokenRecoveries.push(error ? String(error) : state);
      });
    } else {
      // Not recovered: a new session, so the room is joined again (the gap it left shows in the numbers).
      seen.notRecovered += 1;
      socket.timeout(ACK_BOUND_MS).emit("enter", { room: "all" }, () => {});
    }
  });
  socket.on("disconnect", (reason) => seen.disconnects.push(reason));
  socket.on("numbered", (message) => seen.numbers.push(message.n));
  const answer = (payload) => {
    const id = payload && payload.requestId;
    if (!id) return seen.refused.push(JSON.stringify(payload).slice(0, 200));
    seen.answers[id] = (seen.answers[id] || 0) + 1;
    if (payload.error) seen.errors[payload.error.code] = (seen.errors[payload.error.code] || 0) + 1;
  };
  socket.on("ws:result", answer);
  socket.on("ws:error", answer);
  const ready = new Promise((resolve, reject) => {
    socket.once("connect", () => {
      socket.timeout(ACK_BOUND_MS).emit("enter", { room: "all" }, (error) => {
        if (error) return reject(new Error(`client ${index} on node ${node} could not join: ${error}`));
        joined = true;
        resolve();
      });
    });
  });
  let n = 0;
  function tick() {
    if (!socket.connected || !joined) return;
    n += 1;
    const sent = n; // the callbacks below may run after later ticks
    seen.sent += 1;
    socket.timeout(ACK_BOUND_MS).emit("work", { n: sent }, (error, ack) => {
      if (error) return void (seen.ackTimeouts += 1);
      if (ack && ack.requestId) {
        seen.acked += 1;
        seen.answers[ack.requestId] = seen.answers[ack.requestId] || 0;
      } else seen.refused.push(JSON.stringify(ack).slice(0, 200));
    });
    socket.timeout(ACK_BOUND_MS).emit("calc", sent, 2, (error, sum) => {
      if (error) seen.calcTimeouts += 1;
      else if (sum !== sent + 2) { seen.calcWrong += 1; seen.calcWrongExample = [sent, sum]; }
    });
  }
  let timer;
  const start = () => {
    timer = setTimeout(function again() {
      tick();
      timer = setTimeout(again, config.eventEveryMs * (0.5 + Math.random()));
    }, Math.random() * config.eventEveryMs);
  };
  return { socket, seen, ready, start, stop: () => clearTimeout(timer) };
}

const clients = [];
for (let node = 0; node < config.nodes.length; node += 1) {
  for (let i = 0; i < config.clientsPerNode; i += 1) clients.push(client(node, clients.length));
}
await Promise.all(clients.map((c) => c.ready));
const publisher = io(config.nodes[0] + "/soak", { transports: ["websocket"], forceNew: true });
await new Promise((resolve) => publisher.once("connect", resolve));
process.stderr.write("ready\n");

for (const c of clients) c.start();
// A line `wave` on stdin: as many clients again on the restarted node (the orchestrator sends it once that node is back,
// so that its kill finds clients on it); `wave-ready` on stderr once they are in the room. They count from their first
// number.
let waves = 0;
process.stdin.setEncoding("utf8");
process.stdin.on("data", async (text) => {
  for (const line of text.split("\n").filter((l) => l.trim() === "wave")) {
    waves += 1;
    const wave = [];
    for (let i = 0; i < config.clientsPerNode; i += 1) wave.push(client(config.waveNode, clients.length + wave.length, waves));
    await Promise.all(wave.map((c) => c.ready));
    for (const c of wave) { clients.push(c); c.start(); }
    process.stderr.write("wave-ready\n");
  }
});
let issued = 0, published = 0, publishFailures = 0;
const publishing = setInterval(() => {
  issued += 1;
  publisher.timeout(ACK_BOUND_MS).emit("publish", { room: "all", n: issued }, (error) => {
    if (error) publishFailures += 1;
    else published += 1;
  });
}, 1000 / config.publishRate);
await sleep(config.seconds * 1000);
clearInterval(publishing);
process.stdin.pause();
for (const c of clients) c.stop();
process.stderr.write("draining\n");

// The last number sent reaches everyone, and every acked event is answered: waited for, within drainMs.
const last = () => issued;
const settled = () => clients.every((c) => c.seen.numbers.at(-1) === last()
  && Object.values(c.seen.answers).every((count) => count > 0));
const deadline = Date.now() + config.drainMs;
while (!settled() && Date.now() < deadline) await sleep(100);
await sleep(500); // a duplicate would arrive now, after what it duplicates
for (const c of clients) c.socket.disconnect();
publisher.disconnect();
// Exits once the whole object is out: a pipe takes it in parts, and exiting at once would cut it.
process.stdout.write(JSON.stringify({ published, publishFailures, lastNumber: last(), clients: clients.map((c) => c.seen) }),
  () => process.exit(0));
