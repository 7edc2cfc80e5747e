/// The console's page: its layout, no script or style inline (the Content-Security-Policy forbids them).
enum ConsolePage {
    static let text = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gatewayd console</title>
<link rel="stylesheet" href="/admin/ui/console.css">
<script src="/admin/ui/console.js" defer></script>
</head>
<body>
<header class="bar">
  <span class="brand">gatewayd</span>
  <nav id="nav" hidden>
    <button type="button" data-view="gateways" class="tab">Gateways</button>
    <button type="button" data-view="collections" class="tab">Collections</button>
    <button type="button" id="signOut" class="quiet">Sign out</button>
  </nav>
</header>
<main>
  <section id="signIn" class="card narrow">
    <h1>Sign in</h1>
    <p class="hint">The daemon's admin token (<code>--admin-token</code>). It stays in this tab's session storage.</p>
    <form id="signInForm">
      <label for="token">Admin token</label>
      <input id="token" type="password" autocomplete="current-password" required>
      <button type="submit" class="primary">Sign in</button>
      <p id="signInError" class="error" role="alert"></p>
    </form>
  </section>

  <section id="gateways" hidden>
    <div class="row head">
      <h1>Gateways</h1>
      <form id="newGateway" class="inline">
        <input id="newPath" placeholder="/path" aria-label="New gateway path" required>
        <button type="submit" class="primary">Create</button>
      </form>
    </div>
    <p id="gatewaysError" class="error" role="alert"></p>
    <table class="list">
      <thead><tr><th>Path</th><th>Enabled</th><th class="num">Sockets</th><th>Description</th></tr></thead>
      <tbody id="gatewayRows"></tbody>
    </table>
  </section>

  <section id="gateway" hidden>
    <div class="row head">
      <h1 id="gatewayTitle"></h1>
      <div class="actions">
        <button type="button" id="toggleGateway"></button>
        <button type="button" id="deleteGateway" class="danger">Delete</button>
      </div>
    </div>
    <p id="gatewayError" class="error" role="alert"></p>
    <details class="card" id="settings">
      <summary>Settings</summary>
      <form id="settingsForm">
        <div class="grid2">
          <label>Path<input id="path" spellcheck="false"></label>
          <label>Description<input id="description"></label>
          <label>Connection timeout (ms)<input id="connectionTimeoutMs" type="number" min="1"></label>
          <label class="check"><input type="checkbox" id="requireAuth"> Require a signed-in user (JWT)</label>
          <label class="check"><input type="checkbox" id="recoveryEnabled"> Connection state recovery</label>
        </div>
        <label>Connection handler (connection.lua; empty: none)<textarea id="connectionScript" class="small" spellcheck="false"></textarea></label>
        <label>Disconnect handler (disconnect.lua; empty: none)<textarea id="disconnectScript" class="small" spellcheck="false"></textarea></label>
        <label>Fallback handler, for events without their own (fallback.lua; empty: none)<textarea id="fallbackScript" class="small" spellcheck="false"></textarea></label>
        <label>Change hooks (JSON: collection → script)<textarea id="hooks" class="small" spellcheck="false"></textarea></label>
        <button type="submit" class="primary">Save settings</button>
        <p id="settingsStatus" class="status" role="status"></p>
      </form>
    </details>
    <div class="columns">
      <div class="card">
        <h2>Events</h2>
        <ul id="eventList" class="picks"></ul>
        <form id="newEvent" class="inline">
          <input id="newEventName" placeholder="event name" aria-label="New event name" required>
          <button type="submit">Add</button>
        </form>
      </div>
      <div class="card grow" id="editorCard" hidden>
        <div class="row">
          <h2 id="editorTitle"></h2>
          <div class="actions">
            <button type="button" id="deleteEvent" class="danger">Delete</button>
            <button type="button" id="saveEvent" class="primary">Save</button>
          </div>
        </div>
        <div class="editor">
          <pre id="gutter" aria-hidden="true"></pre>
          <textarea id="script" spellcheck="false" aria-label="Handler script"></textarea>
        </div>
        <p id="editorStatus" class="status" role="status"></p>
        <h2>Test run</h2>
        <div class="grid2">
          <label>Run<select id="kind">
            <option value="websocket_event">this event's handler</option>
            <option value="websocket_connection">the gateway's connection handler</option>
          </select></label>
          <span></span>
          <label>Payload (JSON, BODY)<textarea id="payload" class="small" spellcheck="false">{}</textarea></label>
          <label>User (JSON claims, or empty)<textarea id="user" class="small" spellcheck="false"></textarea></label>
          <label>SOCKET.data (JSON, or empty)<textarea id="socketData" class="small" spellcheck="false"></textarea></label>
          <label class="check"><input type="checkbox" id="commit"> Keep DB writes</label>
        </div>
        <button type="button" id="runTest">Run</button>
        <div id="testOutput" class="output" hidden>
          <h3>Result</h3><pre id="testResult"></pre>
          <h3>Logs</h3><pre id="testLogs"></pre>
          <h3>Emitted</h3><pre id="testEmitted"></pre>
          <h3>Writes</h3><pre id="testWrites"></pre>
        </div>
      </div>
    </div>
    <div class="card">
      <div class="row"><h2>Events</h2><span id="eventRate" class="badge"></span></div>
      <table class="list">
        <thead><tr><th>Outcome</th><th class="num">Since start</th><th class="num">Last 2 s</th></tr></thead>
        <tbody id="outcomeRows"></tbody>
      </table>
    </div>
    <div class="card">
      <div class="row"><h2>Live sockets</h2><span id="socketCount" class="badge"></span></div>
      <form id="emitForm" class="inline" hidden>
        <input id="emitEvent" placeholder="event" aria-label="Event to emit" required>
        <input id="emitArgs" placeholder='args (JSON array), e.g. ["hi"]' aria-label="Arguments (JSON array)" spellcheck="false">
        <button type="submit">Emit</button>
      </form>
      <p id="emitStatus" class="status" role="status"></p>
      <table class="list" id="socketTable">
        <thead><tr><th>Id</th><th>User</th><th>Transport</th><th>Rooms</th><th>Connected</th><th class="act2"></th></tr></thead>
        <tbody id="socketRows"></tbody>
      </table>
    </div>
  </section>

  <section id="collections" hidden>
    <div class="row head"><h1>Collections</h1></div>
    <p id="collectionsError" class="error" role="alert"></p>
    <div class="columns">
      <div class="card">
        <ul id="collectionList" class="picks"></ul>
      </div>
      <div class="card grow" id="itemsCard" hidden>
        <div class="row"><h2 id="collectionTitle"></h2><span id="itemTotal" class="badge"></span></div>
        <form id="filterForm" class="inline">
          <input id="filter" placeholder='filter, e.g. {"status": "open"}' aria-label="Filter (JSON)" spellcheck="false">
          <button type="submit">Filter</button>
        </form>
        <table class="list">
          <thead><tr><th>Id</th><th>Fields</th></tr></thead>
          <tbody id="itemRows"></tbody>
        </table>
        <div id="itemEditor" hidden>
          <h3 id="itemTitle"></h3>
          <textarea id="itemJson" class="tall" spellcheck="false" aria-label="Item (JSON)"></textarea>
          <button type="button" id="saveItem" class="primary">Save item</button>
          <p id="itemStatus" class="status" role="status"></p>
        </div>
      </div>
    </div>
  </section>
</main>
</body>
</html>
"""#
}
