#!/usr/bin/env bash
# The whole test suite: Swift unit tests, then end-to-end tests that start the real binaries on
# loopback and drive them with real Socket.IO clients (python-socketio 5.x, and 4.6.1 for EIO3).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-clients

swift build --build-tests
swift test --skip-build

# pytest's exit code 5 means "no tests collected": that is a failure here too.
.venv-v5/bin/pytest -q -p no:cacheprovider Tests/e2e --ignore=Tests/e2e/eio3
.venv-v4/bin/pytest -q -p no:cacheprovider Tests/e2e/eio3
