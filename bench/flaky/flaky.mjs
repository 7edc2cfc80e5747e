// The flaky-network benchmark's load generator (gatewayd issue 23), with the official socket.io-client 4.8.1 (its
// browser bundle, .cache/js/socket.io.min.js) in Node, over WebSocket:
//
//   node --experimental-websocket bench/flaky/flaky.mjs --url http://127.0.0.1:PORT [options]   (--help)
//
// N clients (default 1,000) connect to namespace /bench through a TCP proxy in this process (Node `net`) and `join`
// room `flaky`. The proxy reads the first request line of every new connection and takes the client's id from its
// `cid` query parameter; to cut a client it resets (RST, `resetAndDestroy`) both sides of each of the client's
// connections and, for --cut-ms (2 s), resets every new connection of that client as soon as its first line
// arrives: a real network drop, not a clean close. Each client is cut at random times, every --cut-min..--cut-max
// seconds (10-20 s; the first at a random phase), while a publisher connected directly (not through the proxy)
// `publish`es numbered messages to the room at --rate (20/s) for --duration (60 s). The clients use the defaults of
// socket.io-client except reconnectionDelay 500 ms; a client whose reconnection was not a recovery
// (`socket.recovered` false) joins the room again. Then the cuts stop, every client is waited for (connected and in
// the room, bounded by --drain), and a final marker goes down the same path (a `publish` to the room); once every
// client has the marker (bounded by --drain) each client's deliveries are counted: exactly once, duplicates (copies
// beyond the first), out of order (a first copy arriving after a higher number), missing.
//
// Threads: the proxy, the cuts and the publisher run on the main thread; the clients on --workers worker threads
// (clients cid % workers), so that the generator is not one saturated event loop.
//
// stdout: one JSON object (totals, percentages, and the details of up to --details clients that lost, repeated or
// reordered a message or did not recover: their cuts, reconnections and the numbers concerned, times in ms after
// message 0 was due, with the seed that replays the schedule); stderr: progress. Exit 0 once the run completed
// (whatever it counted), 1 when it could not (the clients did not connect, the publisher failed).
import { createRequire } from "node:module";
import net from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const require = createRequire(import.meta.url);
const io = require(new URL("../../.cache/js/socket.io.min.js", import.meta.url).pathname);

const DEFAULTS = {
  url: "", clients: 1000, duration: 60, rate: 20, "cut-ms": 2000, "cut-min": 10, "cut-max": 20, drain: 60,
  "connect-rate": 200, "connect-timeout": 120, payload: 64, seed: 0, label: "", room: "flaky", namespace: "/bench",
  "reconnection-delay": 500, details: 20, workers: 2, quick: false,
};
const QUICK = { clients: 100, duration: 20 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) => process.stderr.write(`[flaky] ${message}\n`);

function parseArgs(argv) {
  const options = { ...DEFAULTS };
  const given = new Set();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name === "help" || name === "h") {
      console.error(`usage: node --experimental-websocket flaky.mjs --url http://127.0.0.1:PORT [--quick]\n` +
        Object.entries(DEFAULTS).map(([k, v]) => `  --${k} (default ${JSON.stringify(v)})`).join("\n") +
        `\n  --quick: ${JSON.stringify(QUICK)} unless given`);
      process.exit(0);
    }
    if (!(name in DEFAULTS)) throw new Error(`unknown option ${argv[i]}`);
    given.add(name);
    if (typeof DEFAULTS[name] === "boolean") options[name] = true;
    else options[name] = typeof DEFAULTS[name] === "number" ? Number(argv[++i]) : argv[++i];
    if (typeof DEFAULTS[name] === "number" && !Number.isFinite(options[name])) throw new Error(`--${name}: a number`);
  }
  if (options.quick) for (const [k, v] of Object.entries(QUICK)) if (!given.has(k)) options[k] = v;
  if (!options.url) throw new Error("--url is required");
  if (!given.has("seed")) options.seed = Math.floor(Math.random() * 2 ** 31);
  if (options["cut-min"] <= 0 || options["cut-max"] < options["cut-min"]) throw new Error("--cut-min/--cut-max");
  options.workers = Math.max(1, Math.min(options.workers, options.clients));
  return options;
}

/** Resolves once `predicate()` (possibly async) holds, checked every `every` ms, or `ms` passed; says which. */
async function until(predicate, ms, every = 50) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) return false;
    await sleep(every);
  }
  return true;
}

function ranges(seqs) {
  const out = [];
  for (const s of seqs) {
    const last = out[out.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

// ---------------------------------------------------------------- the clients (worker threads)

function workerMain() {
  const { opt, cids, proxyBase, N } = workerData;
  const latencies = [];
  const clients = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  function makeClient(cid) {
    const c = {
      cid, counts: new Uint8Array(N), maxSeq: -1, maxLatency: 0, duplicates: 0, outOfOrder: 0, dupSeqs: [], oooSeqs: [],
      connects: 0, recovered: 0, notRecovered: 0, disconnects: 0, reconnectErrors: 0, joinErrors: 0,
      connected: false, joined: false, marker: false, ids: [], log: [], awayFrom: 0, away: [],
    };
    const note = (...entry) => { if (c.log.length < 400) c.log.push([Date.now(), ...entry]); };
    const socket = io(proxyBase + opt.namespace, {
      transports: ["websocket"], forceNew: true, reconnectionDelay: opt["reconnection-delay"], query: { cid: String(cid) },
    });
    c.socket = socket;
    const join = () => {
      socket.timeout(10000).emit("join", { room: opt.room }, (err, ack) => {
        if (err || !ack || ack.joined !== opt.room) {
          c.joinErrors += 1;
          note("join-failed", String(err?.message ?? JSON.stringify(ack)));
          // A disconnect's next connect joins again; a join refused on a live connection is tried again (the wait
          // for every client to be back reports a client that never gets in).
          if (socket.connected && c.joinErrors < 20) setTimeout(() => { if (socket.connected && !c.joined) join(); }, 500);
          return;
        }
        if (socket.connected) c.joined = true;
        note("joined");
      });
    };
    socket.on("connect", () => {
      if (c.awayFrom) c.away.push(Date.now() - c.awayFrom);
      c.awayFrom = 0;
      c.connects += 1;
      c.connected = true;
      if (!c.ids.includes(socket.id)) c.ids.push(socket.id);
      if (c.connects > 1) {
        if (socket.recovered) c.recovered += 1;
        else c.notRecovered += 1;
      }
      note("connect", socket.id, socket.recovered);
      if (c.connects > 1 && socket.recovered) c.joined = true; // its rooms came back with it
      else join();
    });
    socket.on("disconnect", (reason) => {
      c.disconnects += 1;
      c.connected = false;
      c.joined = false;
      c.awayFrom = Date.now();
      note("disconnect", reason);
    });
    socket.io.on("reconnect_error", (error) => {
      c.reconnectErrors += 1;
      if (c.reconnectErrors <= 30) note("reconnect_error", String(error?.message ?? error));
    });
    // socket.io-client passes the recovery offset as an extra last argument: ignored.
    socket.on("fan", (message) => {
      if (message.marker) {
        if (!c.marker) note("marker");
        c.marker = true;
        return;
      }
      const seq = message.seq;
      if (!Number.isInteger(seq) || seq < 0 || seq >= N) {
        note("foreign", JSON.stringify(message).slice(0, 200));
        return;
      }
      const count = c.counts[seq];
      if (count < 255) c.counts[seq] = count + 1;
      if (count > 0) {
        c.duplicates += 1;
        if (c.dupSeqs.length < 50) c.dupSeqs.push([seq, Date.now()]);
        return;
      }
      if (seq < c.maxSeq) {
        c.outOfOrder += 1;
        if (c.oooSeqs.length < 50) c.oooSeqs.push([seq, c.maxSeq, Date.now()]);
      } else c.maxSeq = seq;
      const latency = Date.now() - message.t;
      latencies.push(latency);
      if (latency > c.maxLatency) c.maxLatency = latency;
    });
    return c;
  }

  function summary(c) {
    let once = 0;
    const missing = [];
    for (let seq = 0; seq < N; seq++) {
      if (c.counts[seq] === 1) once += 1;
      else if (c.counts[seq] === 0) missing.push(seq);
    }
    return {
      cid: c.cid, once, missing: missing.length, missingRanges: ranges(missing).slice(0, 20),
      duplicates: c.duplicates, dupSeqs: c.dupSeqs.slice(0, 20), outOfOrder: c.outOfOrder, oooSeqs: c.oooSeqs.slice(0, 20),
      connects: c.connects, recovered: c.recovered, notRecovered: c.notRecovered, disconnects: c.disconnects,
      reconnectErrors: c.reconnectErrors, joinErrors: c.joinErrors, joined: c.joined, marker: c.marker, ids: c.ids,
      log: c.log, away: c.away, maxLatency: c.maxLatency,
    };
  }

  parentPort.on("message", async (msg) => {
    if (msg.type === "connect") {
      const start = Date.now();
      const rate = opt["connect-rate"] / opt.workers;
      for (let i = 0; i < cids.length; i++) {
        clients.push(makeClient(cids[i]));
        const due = start + ((i + 1) * 1000) / rate;
        if (due > Date.now()) await sleep(due - Date.now());
      }
    } else if (msg.type === "status") {
      parentPort.postMessage({
        type: "status", id: msg.id, connected: clients.filter((c) => c.connected).length,
        joined: clients.filter((c) => c.joined).length, marker: clients.filter((c) => c.marker).length,
        deliveries: latencies.length, notJoined: clients.filter((c) => !c.joined).map((c) => c.cid),
        noMarker: clients.filter((c) => !c.marker).map((c) => c.cid),
      });
    } else if (msg.type === "finish") {
      const summaries = clients.map(summary);
      for (const c of clients) c.socket.close();
      const lat = Float64Array.from(latencies);
      const delay = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
      parentPort.postMessage({ type: "result", summaries, latencies: lat, delay }, [lat.buffer]);
    }
  });
}

// ---------------------------------------------------------------- the cutting proxy (main thread)

class CuttingProxy {
  constructor(targetHost, targetPort) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.pairs = new Map(); // cid -> Set<{client, upstream}>
    this.blockedUntil = new Map(); // cid -> ms since the epoch
    this.stats = { accepted: 0, refused: 0, reset: 0, unidentified: 0 };
    this.server = net.createServer({ noDelay: true }, (client) => this.onConnection(client));
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve(this.server.address().port));
    });
  }

  onConnection(client) {
    client.on("error", () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const eol = head.indexOf("\r\n");
      if (eol < 0) {
        if (head.length > 16384) client.resetAndDestroy();
        return;
      }
      client.off("data", onData);
      client.pause();
      const match = /[?&]cid=(\d+)/.exec(head.subarray(0, eol).toString("latin1"));
      const cid = match ? match[1] : null;
      if (cid === null) this.stats.unidentified += 1;
      if (cid !== null && (this.blockedUntil.get(cid) ?? 0) > Date.now()) {
        this.stats.refused += 1;
        client.resetAndDestroy();
        return;
      }
      this.stats.accepted += 1;
      const upstream = net.connect({ host: this.targetHost, port: this.targetPort, noDelay: true });
      upstream.on("error", () => {});
      const pair = { client, upstream };
      if (cid !== null) {
        if (!this.pairs.has(cid)) this.pairs.set(cid, new Set());
        this.pairs.get(cid).add(pair);
      }
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        if (cid !== null) this.pairs.get(cid)?.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("close", close);
      upstream.on("close", close);
      upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    };
    client.on("data", onData);
  }

  /** Resets the client's connections (both sides) and refuses its new ones for `ms`; returns how many were cut. */
  cut(cid, ms) {
    this.blockedUntil.set(String(cid), Date.now() + ms);
    const pairs = [...(this.pairs.get(String(cid)) ?? [])];
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.stats.reset += pairs.length;
    return pairs.length;
  }

  close() {
    this.server.close();
    for (const set of this.pairs.values()) for (const { client, upstream } of set) { client.destroy(); upstream.destroy(); }
  }
}

// ---------------------------------------------------------------- the run (main thread)

/** mulberry32: the cut schedule is replayable from --seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cutSchedule(opt) {
  const random = rng(opt.seed);
  const cuts = [];
  const durationMs = opt.duration * 1000;
  const gap = () => (opt["cut-min"] + random() * (opt["cut-max"] - opt["cut-min"])) * 1000;
  for (let cid = 0; cid < opt.clients; cid++) {
    for (let t = random() * gap(); t < durationMs; t += gap()) cuts.push([t, cid]);
  }
  return cuts.sort((a, b) => a[0] - b[0]);
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

class Workers {
  constructor(opt, proxyBase, N) {
    this.opt = opt;
    this.pending = new Map();
    this.nextId = 0;
    this.errors = [];
    this.workers = [];
    for (let k = 0; k < opt.workers; k++) {
      const cids = [];
      for (let cid = k; cid < opt.clients; cid += opt.workers) cids.push(cid);
      const worker = new Worker(new URL(import.meta.url), { workerData: { opt, cids, proxyBase, N } });
      worker.on("error", (error) => { this.errors.push(String(error?.stack ?? error)); });
      worker.on("message", (msg) => {
        const resolve = this.pending.get(msg.id ?? `result-${k}`);
        if (resolve) resolve(msg);
      });
      this.workers.push(worker);
    }
  }

  ask(k, message, key) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${k} did not answer ${message.type}`)), 60000);
      this.pending.set(key, (msg) => { clearTimeout(timer); this.pending.delete(key); resolve(msg); });
      this.workers[k].postMessage(message);
    });
  }

  connect() { for (const w of this.workers) w.postMessage({ type: "connect" }); }

  async status() {
    const answers = await Promise.all(this.workers.map((_, k) => {
      const id = `s${this.nextId++}`;
      return this.ask(k, { type: "status", id }, id);
    }));
    const total = { connected: 0, joined: 0, marker: 0, deliveries: 0, notJoined: [], noMarker: [] };
    for (const a of answers) {
      for (const key of ["connected", "joined", "marker", "deliveries"]) total[key] += a[key];
      total.notJoined.push(...a.notJoined);
      total.noMarker.push(...a.noMarker);
    }
    return total;
  }

  finish() {
    return Promise.all(this.workers.map((_, k) => this.ask(k, { type: "finish" }, `result-${k}`)));
  }

  terminate() { for (const w of this.workers) w.terminate(); }
}

async function mainThread() {
  const opt = parseArgs(process.argv.slice(2));
  const target = new URL(opt.url);
  const N = Math.round(opt.duration * opt.rate);
  const pad = "x".repeat(opt.payload);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const proxy = new CuttingProxy(target.hostname, Number(target.port));
  const proxyPort = await proxy.listen();
  const proxyBase = `http://127.0.0.1:${proxyPort}`;
  log(`proxy on ${proxyPort} -> ${target.host}; ${opt.clients} clients on ${opt.workers} worker thread(s), ` +
    `${N} messages at ${opt.rate}/s, seed ${opt.seed}`);
  const result = {
    label: opt.label, scenario: "flaky", clients: opt.clients, messages: N, rate: opt.rate, duration_s: opt.duration,
    cut_ms: opt["cut-ms"], cut_every_s: [opt["cut-min"], opt["cut-max"]], reconnection_delay_ms: opt["reconnection-delay"],
    payload: opt.payload, seed: opt.seed, transport: "websocket", workers: opt.workers,
  };
  const workers = new Workers(opt, proxyBase, N);
  let publisher = null;
  try {
    return await run(opt, N, pad, loopDelay, proxy, workers, result, (p) => { publisher = p; });
  } catch (error) {
    return { ...result, failed: String(error?.stack ?? error) };
  } finally {
    publisher?.close();
    proxy.close();
    workers.terminate();
  }
}

async function run(opt, N, pad, loopDelay, proxy, workers, result, setPublisher) {
  const failed = (why) => ({ ...result, failed: why });
  const connectStart = Date.now();
  workers.connect();
  let last = null;
  const joined = await until(async () => (last = await workers.status()).joined === opt.clients,
    opt["connect-timeout"] * 1000, 200);
  if (workers.errors.length) return failed(`worker error: ${workers.errors[0]}`);
  if (!joined) return failed(`${opt.clients - last.joined} of ${opt.clients} clients not connected and joined within ` +
    `${opt["connect-timeout"]} s`);
  result.connect_time_s = (Date.now() - connectStart) / 1000;
  log(`${opt.clients} clients joined in ${result.connect_time_s.toFixed(1)} s`);

  const publisher = io(opt.url + opt.namespace, { transports: ["websocket"], forceNew: true, reconnection: false });
  setPublisher(publisher);
  let publisherGone = null;
  publisher.on("disconnect", (reason) => { publisherGone = reason; });
  if (!(await until(() => publisher.connected, 10000))) return failed("the publisher did not connect");

  // The cuts, fired by one timer while the messages go out.
  const schedule = cutSchedule(opt);
  const cutLog = new Map(); // cid -> [[ms after publishStart, "cut", connections reset]]
  const cutsWhileAway = new Map();
  result.cuts_scheduled = schedule.length;
  let publishStart = 0;
  let nextCut = 0;
  let cutting = true;
  const cutTimer = setInterval(() => {
    if (!cutting || !publishStart) return;
    const now = Date.now() - publishStart;
    while (nextCut < schedule.length && schedule[nextCut][0] <= now) {
      const cid = schedule[nextCut][1];
      const reset = proxy.cut(cid, opt["cut-ms"]);
      if (!cutLog.has(cid)) cutLog.set(cid, []);
      cutLog.get(cid).push([now, "cut", reset]);
      if (reset === 0) cutsWhileAway.set(cid, (cutsWhileAway.get(cid) ?? 0) + 1);
      nextCut += 1;
    }
  }, 10);

  const sentAt = new Float64Array(N).fill(NaN); // ms after publishStart each message was emitted
  let sent = 0, acked = 0, ackErrors = 0;
  const ackErrorSamples = [];
  let reporting = false;
  const progress = setInterval(async () => {
    if (reporting) return;
    reporting = true;
    try {
      const s = await workers.status();
      log(`t=${((Date.now() - publishStart) / 1000).toFixed(0)} s: sent ${sent}/${N}, acked ${acked}, cuts ${nextCut}, ` +
        `connected ${s.connected}/${opt.clients}, in the room ${s.joined}, deliveries ${s.deliveries}, ` +
        `proxy refused ${proxy.stats.refused}`);
    } catch { /* a late answer: the next report */ }
    reporting = false;
  }, 5000);
  loopDelay.enable();
  publishStart = Date.now();
  for (let seq = 0; seq < N; seq++) {
    const wait = publishStart + (seq * 1000) / opt.rate - Date.now();
    if (wait > 0) await sleep(wait);
    if (publisherGone) break;
    sentAt[seq] = Date.now() - publishStart;
    sent += 1;
    publisher.timeout(30000).emit("publish", { room: opt.room, seq, t: Date.now(), pad }, (err, ack) => {
      if (err || !ack || ack.published !== true) {
        ackErrors += 1;
        if (ackErrorSamples.length < 5) ackErrorSamples.push([seq, String(err?.message ?? JSON.stringify(ack))]);
      } else acked += 1;
    });
  }
  result.publish_s = (Date.now() - publishStart) / 1000;
  cutting = false;
  clearInterval(cutTimer);
  result.cuts = nextCut;
  await until(() => acked + ackErrors >= sent || publisherGone, 30000);
  result.published_acked = acked;
  result.publish_errors = N - acked;
  if (ackErrorSamples.length) result.publish_error_samples = ackErrorSamples;
  if (publisherGone) { clearInterval(progress); return failed(`the publisher disconnected: ${publisherGone}`); }

  // Drain: every client back and in the room, then the marker down the same path, then every marker.
  const drainStart = Date.now();
  const allBack = await until(async () => (last = await workers.status()).joined === opt.clients, opt.drain * 1000, 200);
  result.all_back_s = (Date.now() - drainStart) / 1000;
  if (!allBack) result.clients_not_back = last.notJoined;
  publisher.timeout(30000).emit("publish", { room: opt.room, seq: N, marker: true, t: Date.now() }, () => {});
  const allMarked = await until(async () => (last = await workers.status()).marker === opt.clients, opt.drain * 1000, 200);
  result.drain_s = (Date.now() - drainStart) / 1000;
  if (!allMarked) result.clients_without_marker = last.noMarker;
  clearInterval(progress);
  loopDelay.disable();
  if (workers.errors.length) return failed(`worker error: ${workers.errors[0]}`);

  // Count.
  const answers = await workers.finish();
  const summaries = answers.flatMap((a) => a.summaries).sort((a, b) => a.cid - b.cid);
  const latencies = new Float64Array(answers.reduce((n, a) => n + a.latencies.length, 0));
  let offset = 0;
  for (const a of answers) { latencies.set(a.latencies, offset); offset += a.latencies.length; }
  latencies.sort();
  let once = 0, missing = 0, duplicates = 0, outOfOrder = 0;
  const agg = { connects: 0, reconnects: 0, recovered: 0, not_recovered: 0, disconnects: 0, reconnect_errors: 0,
    join_errors: 0 };
  const hit = { missing: 0, duplicates: 0, out_of_order: 0, not_recovered: 0 };
  const details = [];
  const rel = (t) => t - publishStart;
  const away = Float64Array.from(summaries.flatMap((s) => s.away)).sort();
  const slowest = summaries.reduce((a, b) => (b.maxLatency > a.maxLatency ? b : a), summaries[0]);
  for (const s of summaries) {
    once += s.once;
    missing += s.missing;
    duplicates += s.duplicates;
    outOfOrder += s.outOfOrder;
    agg.connects += s.connects;
    agg.reconnects += Math.max(0, s.connects - 1);
    agg.recovered += s.recovered;
    agg.not_recovered += s.notRecovered;
    agg.disconnects += s.disconnects;
    agg.reconnect_errors += s.reconnectErrors;
    agg.join_errors += s.joinErrors;
    if (s.missing) hit.missing += 1;
    if (s.duplicates) hit.duplicates += 1;
    if (s.outOfOrder) hit.out_of_order += 1;
    if (s.notRecovered) hit.not_recovered += 1;
    if ((s.missing || s.duplicates || s.outOfOrder || s.notRecovered || !s.marker) && details.length < opt.details) {
      const events = [...s.log.map(([t, ...rest]) => [rel(t), ...rest]), ...(cutLog.get(s.cid) ?? [])]
        .sort((a, b) => a[0] - b[0]);
      details.push({
        cid: s.cid, socket_ids: s.ids, cuts: (cutLog.get(s.cid) ?? []).length, connects: s.connects,
        recovered: s.recovered, not_recovered: s.notRecovered, marker: s.marker, missing: s.missing,
        missing_ranges: s.missingRanges.map(([a, b]) => ({ seqs: [a, b], sent_ms: [Math.round(sentAt[a]), Math.round(sentAt[b])] })),
        duplicates: s.duplicates,
        duplicate_samples: s.dupSeqs.map(([seq, t]) => ({ seq, sent_ms: Math.round(sentAt[seq]), got_ms: rel(t) })),
        out_of_order: s.outOfOrder,
        out_of_order_samples: s.oooSeqs.map(([seq, after, t]) => ({ seq, after, got_ms: rel(t) })),
        events,
      });
    }
  }
  const expected = opt.clients * N;
  return Object.assign(result, {
    expected, exactly_once: once, exactly_once_pct: (100 * once) / expected, duplicates, out_of_order: outOfOrder,
    missing, missing_pct: (100 * missing) / expected, clients_with: hit, ...agg,
    cuts_while_away: [...cutsWhileAway.values()].reduce((a, b) => a + b, 0),
    proxy: proxy.stats,
    delivery_ms: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), p999: quantile(latencies, 0.999),
      max: latencies.length ? latencies[latencies.length - 1] : null },
    // Disconnect to the next connect, each time (the cut, the refusals, the client's backoff, the handshake).
    away_ms: { count: away.length, p50: quantile(away, 0.5), p99: quantile(away, 0.99), max: away[away.length - 1] ?? null },
    slowest_client: slowest && { cid: slowest.cid, max_latency_ms: slowest.maxLatency, away_ms: slowest.away },
    main_loop_delay_ms: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    worker_loop_delay_ms: answers.map((a) => a.delay),
    details,
  });
}

if (isMainThread) {
  let out;
  try {
    out = await mainThread();
  } catch (error) {
    out = { scenario: "flaky", failed: String(error?.stack ?? error) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  if (out.failed) log(`FAILED: ${out.failed}`);
  else log(`exactly once ${out.exactly_once_pct.toFixed(3)} %, duplicates ${out.duplicates}, out of order ` +
    `${out.out_of_order}, missing ${out.missing}; reconnects ${out.reconnects} (recovered ${out.recovered}, not ` +
    `${out.not_recovered})`);
  process.exit(out.failed ? 1 : 0);
} else {
  workerMain();
}
