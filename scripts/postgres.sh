#!/usr/bin/env bash
# A throw-away PostgreSQL for tests and local clusters, on loopback only:
#   scripts/postgres.sh start DIR [PORT]   installs PostgreSQL from Debian if missing, creates a cluster owned by the
#                                          `postgres` user (PostgreSQL refuses to run as root) in a folder of its own
#                                          under /tmp (DIR, the caller's, may be private: it only records where),
#                                          starts it on 127.0.0.1:PORT (default: a free port) and prints its URL,
#                                          postgres://gatewayd:gatewayd@127.0.0.1:PORT/gatewayd
#   scripts/postgres.sh stop DIR           stops it (fast shutdown) and removes its folder and DIR.
#   scripts/postgres.sh halt DIR           stops the server (fast shutdown: every connection is cut) and keeps its data;
#   scripts/postgres.sh resume DIR         starts it again on the same port: together, an outage for tests.
set -euo pipefail

command_name=${1:-}
dir=${2:-}
[ -n "$command_name" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR [PORT] | stop DIR | halt DIR | resume DIR" >&2; exit 2; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

# Starts the server of cluster folder $1 on 127.0.0.1:$2, waiting until it accepts connections.
serve() {
  as_postgres "$bin/pg_ctl" -D "$1/data" -w -t 60 -l "$1/server.log" \
    -o "-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$1/server.log" >&2; exit 1; }
}

bin_dir() {
  local pg_config
  pg_config=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$pg_config" ] && echo "$pg_config"
}

case "$command_name" in
  start)
    if [ -z "$(bin_dir)" ]; then
      sudo_cmd=""
      [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
      $sudo_cmd apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
    fi
    bin=$(bin_dir)
    port=${3:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    mkdir -p "$dir"
    cluster=$(mktemp -d /tmp/gatewayd-postgres.XXXXXX)
    echo "$cluster" >"$dir/cluster"
    echo "$port" >"$dir/port"
    chown postgres "$cluster"
    as_postgres "$bin/initdb" -D "$cluster/data" -U postgres -A trust >"$cluster/initdb.log" 2>&1 \
      || { cat "$cluster/initdb.log" >&2; exit 1; }
    serve "$cluster" "$port"
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE gatewayd LOGIN PASSWORD 'gatewayd'" -c "CREATE DATABASE gatewayd OWNER gatewayd" >/dev/null
    echo "postgres://gatewayd:gatewayd@127.0.0.1:$port/gatewayd"
    ;;
  stop)
    bin=$(bin_dir)
    cluster=$(cat "$dir/cluster" 2>/dev/null || true)
    if [ -n "$cluster" ] && [ -n "$bin" ] && [ -f "$cluster/data/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$cluster/data" -m fast -w -t 60 stop >/dev/null || true
    fi
    case "$cluster" in /tmp/gatewayd-postgres.*) rm -rf "$cluster" ;; esac
    rm -rf "$dir"
    ;;
  halt)
    bin=$(bin_dir)
    as_postgres "$bin/pg_ctl" -D "$(cat "$dir/cluster")/data" -m fast -w -t 60 stop >/dev/null
    ;;
  resume)
    bin=$(bin_dir)
    serve "$(cat "$dir/cluster")" "$(cat "$dir/port")"
    ;;
  *)
    echo "usage: $0 start DIR [PORT] | stop DIR | halt DIR | resume DIR" >&2
    exit 2
    ;;
esac
