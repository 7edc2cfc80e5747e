#!/usr/bin/env bash
# The whole test suite: Swift unit tests, then end-to-end tests that start the real binaries on
# loopback and drive them with real Socket.IO clients (python-socketio 5.x, and 4.6.1 for EIO3).
# The Persistence contract tests run against SQLite and against a throw-away PostgreSQL started here
# (GATEWAYD_TEST_POSTGRES_URL), which is stopped and removed on exit, failures included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-clients

postgres_dir=$(mktemp -d)
trap 'scripts/postgres.sh stop "$postgres_dir"' EXIT
GATEWAYD_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$postgres_dir")
export GATEWAYD_TEST_POSTGRES_URL

swift build --build-tests
swift test --skip-build

# pytest's exit code 5 means "no tests collected": that is a failure here too.
.venv-v5/bin/pytest -q -p no:cacheprovider Tests/e2e --ignore=Tests/e2e/eio3
.venv-v4/bin/pytest -q -p no:cacheprovider Tests/e2e/eio3
