#!/usr/bin/env bash
# Runs the daemon on its embedded default: a SQLite file in this folder, the example handlers loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product gatewayd
exec .build/debug/gatewayd serve "$@"
