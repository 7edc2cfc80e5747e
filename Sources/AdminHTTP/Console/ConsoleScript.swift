/// The console's script: the admin API in a page. Everything the daemon returns is rendered as text, never as markup.
enum ConsoleScript {
    static let text = #"""
// gatewayd's web console: the admin API in a page. Everything the daemon returns is rendered as text (textContent),
// never as markup; the token stays in this tab's sessionStorage.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { gateway: null, event: null, timer: null, outcomes: null, collection: null, item: null, emitTo: null };

function token() { return sessionStorage.getItem("gatewayd.token"); }

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(data && data.error ? data.error.message : `HTTP ${response.status}`);
    error.status = response.status;
    error.detail = data && data.error ? data.error : {};
    throw error;
  }
  return data;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function show(view) {
  for (const id of ["signIn", "gateways", "gateway", "collections"]) $(id).hidden = id !== view;
  $("nav").hidden = view === "signIn";
}

function stopPolling() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

function poll(refresh) {
  stopPolling();
  refresh();
  state.timer = setInterval(refresh, 2000);
}

// Sign in

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem("gatewayd.token", $("token").value);
  try {
    await api("GET", "/admin/gateways");
    $("token").value = "";
    $("signInError").textContent = "";
    location.hash = "#/gateways";
    route();
  } catch (error) {
    sessionStorage.removeItem("gatewayd.token");
    $("signInError").textContent = error.status === 401 ? "That token is not the admin token." : error.message;
  }
}

function signOut() {
  stopPolling();
  sessionStorage.removeItem("gatewayd.token");
  location.hash = "";
  route();
}

// Gateways

async function refreshGateways() {
  try {
    const { gateways } = await api("GET", "/admin/gateways");
    const counts = await Promise.all(gateways.map((g) =>
      g.enabled ? api("GET", `/admin/gateways/${g.id}/sockets`).then((r) => r.sockets.length, () => "–") : 0));
    const rows = $("gatewayRows");
    rows.replaceChildren();
    gateways.forEach((gateway, index) => {
      const row = document.createElement("tr");
      row.className = "link";
      row.dataset.id = gateway.id;
      cell(row, gateway.path).classList.add("mono");
      cell(row, gateway.enabled ? "yes" : "no");
      cell(row, String(counts[index]), "num");
      cell(row, gateway.description);
      row.addEventListener("click", () => { location.hash = `#/gateways/${gateway.id}`; });
      rows.appendChild(row);
    });
    $("gatewaysError").textContent = "";
  } catch (error) {
    $("gatewaysError").textContent = error.message;
  }
}

async function createGateway(event) {
  event.preventDefault();
  try {
    const created = await api("POST", "/admin/gateways", { path: $("newPath").value });
    $("newPath").value = "";
    location.hash = `#/gateways/${created.id}`;
  } catch (error) {
    $("gatewaysError").textContent = error.detail.field ? `${error.detail.field}: ${error.message}` : error.message;
  }
}

// One gateway

async function openGateway(id) {
  try {
    state.gateway = await api("GET", `/admin/gateways/${id}`);
  } catch (error) {
    $("gatewayError").textContent = error.message;
    return;
  }
  state.event = null;
  state.emitTo = null;
  $("emitForm").hidden = true;
  $("emitStatus").textContent = "";
  fillSettings();
  $("gatewayTitle").textContent = state.gateway.path;
  $("toggleGateway").textContent = state.gateway.enabled ? "Disable" : "Enable";
  $("editorCard").hidden = true;
  $("gatewayError").textContent = "";
  await refreshEvents();
  state.outcomes = null;
  poll(() => { refreshSockets(); refreshOutcomes(); });
}

// The gateway's events by outcome, from the Prometheus counters: totals, and what the last refresh added.
async function refreshOutcomes() {
  if (!state.gateway) return;
  const response = await fetch("/metrics", { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) {
    $("eventRate").textContent = response.status === 404 ? "metrics are off (--no-metrics)" : `metrics: HTTP ${response.status}`;
    return;
  }
  const totals = new Map();
  for (const line of (await response.text()).split("\n")) {
    if (!line.startsWith("gatewayd_events_total{")) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.gateway !== state.gateway.path) continue;
    const count = Number(line.slice(line.lastIndexOf(" ") + 1));
    totals.set(labels.outcome, (totals.get(labels.outcome) || 0) + count);
  }
  const previous = state.outcomes;
  state.outcomes = totals;
  const recent = (outcome) => (previous ? totals.get(outcome) - (previous.get(outcome) || 0) : 0);
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const allRecent = [...totals.keys()].reduce((sum, outcome) => sum + recent(outcome), 0);
  $("eventRate").textContent = `${(allRecent / 2).toFixed(1)} events/s`;
  const rows = $("outcomeRows");
  rows.replaceChildren();
  for (const outcome of [...totals.keys()].sort((a, b) => (a === "ok" ? -1 : b === "ok" ? 1 : a.localeCompare(b)))) {
    const row = document.createElement("tr");
    row.dataset.outcome = outcome;
    cell(row, outcome);
    cell(row, String(totals.get(outcome)), "num");
    cell(row, String(recent(outcome)), "num");
    rows.appendChild(row);
  }
  if (all === 0) {
    const row = document.createElement("tr");
    cell(row, "no events yet");
    rows.appendChild(row);
  }
}

async function refreshEvents() {
  const { events } = await api("GET", `/admin/gateways/${state.gateway.id}/events`);
  picks("eventList", events.map((event) => ({
    label: event.eventName, name: event.eventName, current: Boolean(state.event && state.event.eventName === event.eventName),
    open: () => openEvent(event),
  })));
}

// A list of buttons that open something: `entries` of {label, name, current, open}.
function picks(listId, entries) {
  const list = $(listId);
  list.replaceChildren();
  for (const entry of entries) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = entry.label;
    button.dataset.name = entry.name;
    button.setAttribute("aria-current", String(entry.current));
    button.addEventListener("click", entry.open);
    item.appendChild(button);
    list.appendChild(item);
  }
}

function openEvent(event) {
  state.event = event;
  $("editorCard").hidden = false;
  $("editorTitle").textContent = event.eventName;
  $("script").value = event.script;
  $("editorStatus").textContent = "";
  $("editorStatus").className = "status";
  $("testOutput").hidden = true;
  numberLines();
  refreshEvents();
}

function numberLines(badLine) {
  const count = $("script").value.split("\n").length;
  const gutter = $("gutter");
  gutter.replaceChildren();
  for (let line = 1; line <= count; line++) {
    const number = document.createElement("span");
    number.textContent = String(line);
    if (line === badLine) number.className = "bad";
    gutter.appendChild(number);
    gutter.appendChild(document.createTextNode("\n"));
  }
  gutter.scrollTop = $("script").scrollTop;
}

async function saveEvent() {
  const status = $("editorStatus");
  try {
    state.event = await api("PATCH", `/admin/gateways/${state.gateway.id}/events/${encodeURIComponent(state.event.eventName)}`,
      { script: $("script").value });
    status.textContent = `Saved (version ${state.event.version}).`;
    status.className = "status ok";
    numberLines();
  } catch (error) {
    const line = error.detail.line;
    status.textContent = line ? `Line ${line}: ${error.message}` : error.message;
    status.className = "status bad";
    numberLines(line);
  }
}

async function addEvent(event) {
  event.preventDefault();
  try {
    const created = await api("POST", `/admin/gateways/${state.gateway.id}/events`,
      { eventName: $("newEventName").value, script: "return BODY\n" });
    $("newEventName").value = "";
    openEvent(created);
  } catch (error) {
    $("gatewayError").textContent = error.detail.field ? `${error.detail.field}: ${error.message}` : error.message;
  }
}

function jsonField(id) {
  const text = $(id).value.trim();
  return text === "" ? undefined : JSON.parse(text);
}

async function runTest() {
  const output = $("testOutput");
  let request;
  try {
    const kind = $("kind").value;
    request = { kind, gatewayId: state.gateway.id, user: jsonField("user"), socketData: jsonField("socketData"), commit: $("commit").checked };
    // An event run takes the editor's script (saved or not) and the payload; a connection run, the stored handler.
    if (kind === "websocket_event") Object.assign(request, { eventName: state.event.eventName, script: $("script").value, payload: jsonField("payload") });
  } catch (error) {
    $("editorStatus").textContent = `Not JSON: ${error.message}`;
    $("editorStatus").className = "status bad";
    return;
  }
  try {
    const report = await api("POST", "/admin/test/run", request);
    $("testResult").textContent = JSON.stringify(report.success ? report.result : report.error, null, 2);
    $("testLogs").textContent = report.logs.map((line) => JSON.stringify(line)).join("\n");
    $("testEmitted").textContent = report.emitted.map((e) => `${e.method} ${JSON.stringify(e.args)}`).join("\n");
    $("testWrites").textContent = report.writes.map((w) => `${w.action} ${w.collection} ${w.id || ""}`).join("\n");
    output.hidden = false;
    $("editorStatus").textContent = report.success ? "Test run succeeded." : `Test run failed: ${report.error.code}`;
    $("editorStatus").className = report.success ? "status ok" : "status bad";
  } catch (error) {
    $("editorStatus").textContent = error.message;
    $("editorStatus").className = "status bad";
  }
}

function fillSettings() {
  const gateway = state.gateway;
  $("path").value = gateway.path;
  $("description").value = gateway.description;
  $("connectionTimeoutMs").value = gateway.connectionTimeoutMs;
  $("requireAuth").checked = gateway.requireAuth;
  $("recoveryEnabled").checked = gateway.recovery.enabled;
  $("connectionScript").value = gateway.connectionScript || "";
  $("disconnectScript").value = gateway.disconnectScript || "";
  $("fallbackScript").value = gateway.fallbackScript || "";
  $("hooks").value = JSON.stringify(gateway.hooks, null, 2);
  $("settingsStatus").textContent = "";
}

async function saveSettings(event) {
  event.preventDefault();
  const script = (id) => ($(id).value.trim() === "" ? null : $(id).value);
  const status = $("settingsStatus");
  let hooks;
  try {
    hooks = $("hooks").value.trim() === "" ? {} : JSON.parse($("hooks").value);
  } catch (error) {
    status.textContent = `hooks: not JSON: ${error.message}`;
    status.className = "status bad";
    return;
  }
  try {
    state.gateway = await api("PATCH", `/admin/gateways/${state.gateway.id}`, {
      path: $("path").value, fallbackScript: script("fallbackScript"), hooks,
      description: $("description").value, connectionTimeoutMs: Number($("connectionTimeoutMs").value),
      requireAuth: $("requireAuth").checked, recovery: { enabled: $("recoveryEnabled").checked },
      connectionScript: script("connectionScript"), disconnectScript: script("disconnectScript"),
    });
    fillSettings();
    $("gatewayTitle").textContent = state.gateway.path;
    status.textContent = `Saved (version ${state.gateway.version}).`;
    status.className = "status ok";
  } catch (error) {
    const where = [error.detail.field, error.detail.line && `line ${error.detail.line}`].filter(Boolean).join(", ");
    status.textContent = where ? `${where}: ${error.message}` : error.message;
    status.className = "status bad";
  }
}

async function deleteEvent() {
  if (!confirm(`Delete the handler of ${state.event.eventName}?`)) return;
  await api("DELETE", `/admin/gateways/${state.gateway.id}/events/${encodeURIComponent(state.event.eventName)}`);
  state.event = null;
  $("editorCard").hidden = true;
  refreshEvents();
}

// Emits to the socket picked in the list, through `POST /admin/emit` to the room named by its id.
async function emitToSocket(event) {
  event.preventDefault();
  const status = $("emitStatus");
  let args;
  try {
    args = $("emitArgs").value.trim() === "" ? [] : JSON.parse($("emitArgs").value);
    if (!Array.isArray(args)) throw new Error("the arguments must be a JSON array");
  } catch (error) {
    status.textContent = error.message;
    status.className = "status bad";
    return;
  }
  try {
    const { delivered } = await api("POST", "/admin/emit", { target: { room: state.emitTo }, event: $("emitEvent").value, args });
    status.textContent = `Emitted to ${state.emitTo}: ${delivered} socket${delivered === 1 ? "" : "s"} reached.`;
    status.className = delivered ? "status ok" : "status bad";
  } catch (error) {
    status.textContent = error.detail.field ? `${error.detail.field}: ${error.message}` : error.message;
    status.className = "status bad";
  }
}

async function toggleGateway() {
  state.gateway = await api("PATCH", `/admin/gateways/${state.gateway.id}`, { enabled: !state.gateway.enabled });
  $("toggleGateway").textContent = state.gateway.enabled ? "Disable" : "Enable";
}

async function deleteGateway() {
  if (!confirm(`Delete ${state.gateway.path} and its events?`)) return;
  await api("DELETE", `/admin/gateways/${state.gateway.id}`);
  location.hash = "#/gateways";
}

async function refreshSockets() {
  if (!state.gateway) return;
  try {
    const { sockets } = await api("GET", `/admin/gateways/${state.gateway.id}/sockets`);
    $("socketCount").textContent = `${sockets.length} connected`;
    const rows = $("socketRows");
    rows.replaceChildren();
    for (const socket of sockets) {
      const row = document.createElement("tr");
      row.dataset.id = socket.id;
      cell(row, socket.id);
      cell(row, socket.user || "—");
      cell(row, socket.transport);
      cell(row, socket.rooms.join(", "));
      cell(row, new Date(socket.connectedAt).toLocaleTimeString());
      const actions = cell(row, "");
      const emit = document.createElement("button");
      emit.type = "button";
      emit.textContent = "Emit to";
      emit.className = "emit";
      emit.addEventListener("click", () => {
        state.emitTo = socket.id;
        $("emitForm").hidden = false;
        $("emitStatus").textContent = `Emit to ${socket.id}:`;
        $("emitStatus").className = "status";
        $("emitEvent").focus();
      });
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Disconnect";
      button.className = "danger";
      button.addEventListener("click", async () => {
        await api("POST", `/admin/gateways/${state.gateway.id}/sockets/${encodeURIComponent(socket.id)}/disconnect`);
        refreshSockets();
      });
      actions.append(emit, button);
      rows.appendChild(row);
    }
  } catch (error) {
    $("gatewayError").textContent = error.message;
  }
}

// Collections

async function openCollections() {
  try {
    const { collections } = await api("GET", "/admin/collections");
    picks("collectionList", collections.map((collection) => ({
      label: `${collection.name} (${collection.count})`, name: collection.name, current: state.collection === collection.name,
      open: () => openCollection(collection.name),
    })));
    $("collectionsError").textContent = "";
  } catch (error) {
    $("collectionsError").textContent = error.message;
  }
}

async function openCollection(name, event) {
  if (event) event.preventDefault();
  state.collection = name;
  state.item = null;
  $("itemsCard").hidden = false;
  $("itemEditor").hidden = true;
  $("collectionTitle").textContent = name;
  const filter = $("filter").value.trim();
  const query = filter ? `?limit=100&filter=${encodeURIComponent(filter)}` : "?limit=100";
  try {
    const { data, meta } = await api("GET", `/admin/collections/${encodeURIComponent(name)}/items${query}`);
    $("itemTotal").textContent = `${meta.total} item${meta.total === 1 ? "" : "s"}`;
    const rows = $("itemRows");
    rows.replaceChildren();
    for (const item of data) {
      const row = document.createElement("tr");
      row.className = "link";
      row.dataset.id = item.id;
      cell(row, item.id);
      const { id, ...fields } = item;
      cell(row, JSON.stringify(fields));
      row.addEventListener("click", () => openItem(item));
      rows.appendChild(row);
    }
    $("collectionsError").textContent = "";
  } catch (error) {
    $("collectionsError").textContent = error.detail.field ? `${error.detail.field}: ${error.message}` : error.message;
  }
  openCollections();
}

function openItem(item) {
  state.item = item;
  $("itemEditor").hidden = false;
  $("itemTitle").textContent = item.id;
  $("itemJson").value = JSON.stringify(item, null, 2);
  $("itemStatus").textContent = "";
  $("itemStatus").className = "status";
}

async function saveItem() {
  const status = $("itemStatus");
  let item;
  try {
    item = JSON.parse($("itemJson").value);
  } catch (error) {
    status.textContent = `Not JSON: ${error.message}`;
    status.className = "status bad";
    return;
  }
  try {
    const saved = await api("PUT", `/admin/collections/${encodeURIComponent(state.collection)}/items/${encodeURIComponent(state.item.id)}`, item);
    await openCollection(state.collection);
    openItem(saved);
    $("itemStatus").textContent = "Saved.";
    $("itemStatus").className = "status ok";
  } catch (error) {
    status.textContent = error.detail.field ? `${error.detail.field}: ${error.message}` : error.message;
    status.className = "status bad";
  }
}

// Routing: #/gateways, #/gateways/{id}, #/collections

function route() {
  stopPolling();
  if (!token()) return show("signIn");
  if (location.hash === "#/collections") {
    show("collections");
    openCollections();
    return;
  }
  const match = location.hash.match(/^#\/gateways\/(\d+)$/);
  if (match) {
    show("gateway");
    openGateway(match[1]);
  } else {
    show("gateways");
    poll(refreshGateways);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("signInForm").addEventListener("submit", signIn);
  $("signOut").addEventListener("click", signOut);
  document.querySelector('[data-view="gateways"]').addEventListener("click", () => { location.hash = "#/gateways"; });
  document.querySelector('[data-view="collections"]').addEventListener("click", () => { location.hash = "#/collections"; });
  $("filterForm").addEventListener("submit", (event) => openCollection(state.collection, event));
  $("saveItem").addEventListener("click", saveItem);
  $("newGateway").addEventListener("submit", createGateway);
  $("newEvent").addEventListener("submit", addEvent);
  $("saveEvent").addEventListener("click", saveEvent);
  $("runTest").addEventListener("click", runTest);
  $("toggleGateway").addEventListener("click", toggleGateway);
  $("settingsForm").addEventListener("submit", saveSettings);
  $("deleteEvent").addEventListener("click", deleteEvent);
  $("emitForm").addEventListener("submit", emitToSocket);
  $("deleteGateway").addEventListener("click", deleteGateway);
  $("script").addEventListener("input", () => numberLines());
  $("script").addEventListener("scroll", () => { $("gutter").scrollTop = $("script").scrollTop; });
  window.addEventListener("hashchange", route);
  route();
});
"""#
}
