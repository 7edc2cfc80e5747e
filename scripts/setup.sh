#!/usr/bin/env bash
# Installs what building and testing gatewayd needs and is missing: Lua 5.4 and SQLite headers from
# Debian, and (with --test-clients) the clients the end-to-end tests drive the daemon with: python-socketio 5.x and
# 4.6.1, Playwright with Debian's chromium, Node and the official JavaScript client's bundle, nginx (the round-robin
# balancer of the cluster tests), systemd's `systemd-analyze` (the check of the service unit) and valgrind (whose
# callgrind counts make bench-cost's instructions).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in liblua5.4-dev libsqlite3-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${1:-}" = "--test-clients" ]; then
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
  command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
  command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
  command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)  # checks deploy/gatewayd.service
  command -v valgrind >/dev/null 2>&1 || need_apt+=(valgrind)  # make bench-cost counts instructions with callgrind
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ "${1:-}" = "--test-clients" ]; then
  # Today's clients: python-socketio 5.x (Engine.IO v4 / Socket.IO v5).
  if [ ! -x .venv-v5/bin/pytest ] || ! .venv-v5/bin/python -c 'import socketio, aiohttp, websocket, requests, playwright, pytest_timeout, schemathesis' 2>/dev/null; then
    python3 -m venv .venv-v5
    # Playwright drives Debian's chromium (executable_path); it downloads no browser of its own. schemathesis runs
    # the admin API's OpenAPI contract against the live daemon.
    .venv-v5/bin/pip install -q 'python-socketio[client,asyncio-client]>=5.11,<6' requests websocket-client aiohttp pytest pytest-timeout playwright \
      'schemathesis>=4,<5'
  fi
  # socket.io 2.x-era clients: python-socketio 4.6.1 + python-engineio 3.14.2 (Engine.IO v3 / Socket.IO v4).
  if [ ! -x .venv-v4/bin/pytest ] || ! .venv-v4/bin/python -c 'import socketio, websocket, requests, pytest_timeout' 2>/dev/null; then
    python3 -m venv .venv-v4
    .venv-v4/bin/pip install -q 'python-socketio==4.6.1' 'python-engineio==3.14.2' requests websocket-client pytest pytest-timeout
  fi
fi
if [ "${1:-}" = "--test-clients" ]; then
  # The official JavaScript client, socket.io-client 4.8.1 (its browser bundle), without npm: the nicegui wheel on
  # PyPI ships it. Cached under .cache/ (ignored), never committed.
  if [ ! -s .cache/js/socket.io.min.js ]; then
    mkdir -p .cache/js
    .venv-v5/bin/pip download -q --no-deps nicegui==3.18.0 -d .cache/js
    unzip -p .cache/js/nicegui-3.18.0-py3-none-any.whl nicegui/static/socket.io.min.js > .cache/js/socket.io.min.js.part
    mv .cache/js/socket.io.min.js.part .cache/js/socket.io.min.js
    rm -f .cache/js/nicegui-3.18.0-py3-none-any.whl
  fi
fi
