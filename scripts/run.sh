#!/usr/bin/env bash
# Runs the daemon on its embedded default: a SQLite file in this folder, the example handlers loaded.
# A quick start: it binds loopback unless --host or GATEWAYD_HOST says otherwise, so the admin API answers curl from
# this machine without a token (a deployment sets --admin-token; see docs/admin-api.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product gatewayd
export GATEWAYD_HOST="${GATEWAYD_HOST:-127.0.0.1}"
exec .build/debug/gatewayd serve "$@"
