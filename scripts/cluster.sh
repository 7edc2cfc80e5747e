#!/usr/bin/env bash
# A throw-away gatewayd cluster on loopback: one PostgreSQL, N nodes on it, nginx in front of them (round-robin, no
# stickiness). Installs PostgreSQL and nginx from Debian if missing; uses the debug build (`swift build` first).
#   scripts/cluster.sh up DIR [N] [HANDLERS]  starts it (N nodes, default 3; HANDLERS, default handlers/, synced by
#                                             node 1) and writes DIR/cluster.env: CLUSTER_URL (nginx),
#                                             CLUSTER_NODES (the nodes' URLs), CLUSTER_DB, CLUSTER_ADMIN_TOKEN
#   scripts/cluster.sh down DIR               stops everything `up` started in DIR and removes DIR
#   scripts/cluster.sh run [N] [HANDLERS]     `up` in a temporary folder, prints where it serves, `down` on Ctrl-C
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${GATEWAYD:-$root/.build/debug/gatewayd}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

install_missing() {
  local need=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
  if [ ${#need[@]} -gt 0 ]; then
    local sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# Waits (bounded) until the node logging to $1 prints LISTENING; prints its port.
wait_listening() {
  local out=$1 pid=$2
  for _ in $(seq 1 600); do
    if grep -q '^LISTENING ' "$out" 2>/dev/null; then sed -n 's/^LISTENING //p' "$out" | head -1; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "a node did not start; its log:" >&2
  cat "${out%.out}.log" >&2 || true
  return 1
}

up() {
  local dir=$1 count=${2:-3} handlers=${3:-$root/handlers}
  [ -x "$bin" ] || { echo "no $bin: run 'swift build' first" >&2; exit 1; }
  install_missing
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local db token nodes=() upstream=""
  db=$("$root/scripts/postgres.sh" start "$dir/postgres")
  token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  for index in $(seq 1 "$count"); do
    local sync=--no-sync port
    [ "$index" -eq 1 ] && sync=--sync
    port=$(free_port)
    # Node n<index> on a port picked first, advertised to the others for the requests they forward to it.
    GATEWAYD_ADMIN_TOKEN=$token "$bin" serve --host 127.0.0.1 --port "$port" --db "$db" --handlers "$handlers" $sync \
      --node-id "n$index" --advertise-address "127.0.0.1:$port" >"$dir/node-$index.out" 2>"$dir/node-$index.log" &
    echo $! >"$dir/node-$index.pid"
    wait_listening "$dir/node-$index.out" "$(cat "$dir/node-$index.pid")" >/dev/null
    nodes+=("http://127.0.0.1:$port")
    upstream+="    server 127.0.0.1:$port;"$'\n'
  done
  local port
  port=$(free_port)
  mkdir -p "$dir/nginx/logs"
  cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/client_body;
  proxy_temp_path $dir/nginx/proxy;
  fastcgi_temp_path $dir/nginx/fastcgi;
  uwsgi_temp_path $dir/nginx/uwsgi;
  scgi_temp_path $dir/nginx/scgi;
  upstream gatewayd {
$upstream  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://gatewayd;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_read_timeout 60s;
    }
  }
}
CONF
  nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" -g 'daemon off;' >"$dir/nginx/logs/stdout.log" 2>&1 &
  echo $! >"$dir/nginx.pid"
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && break
    sleep 0.1
  done
  cat >"$dir/cluster.env" <<ENV
CLUSTER_URL=http://127.0.0.1:$port
CLUSTER_NODES=${nodes[*]}
CLUSTER_DB=$db
CLUSTER_ADMIN_TOKEN=$token
ENV
  cat "$dir/cluster.env"
}

down() {
  local dir=$1
  [ -d "$dir" ] || return 0
  for pidfile in "$dir"/node-*.pid "$dir/nginx.pid"; do
    [ -f "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  "$root/scripts/postgres.sh" stop "$dir/postgres"
  rm -rf "$dir"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) shift; down "$@" ;;
  run)
    shift
    dir=$(mktemp -d /tmp/gatewayd-cluster.XXXXXX)
    trap 'down "$dir"' EXIT
    up "$dir" "$@"
    echo "serving; Ctrl-C stops the cluster" >&2
    while sleep 3600; do :; done
    ;;
  *) echo "usage: $0 up DIR [N] [HANDLERS] | down DIR | run [N] [HANDLERS]" >&2; exit 2 ;;
esac
