#!/usr/bin/env bash
# The whole test suite: Swift unit tests, then end-to-end tests that start the real binaries on
# loopback and drive them with real Socket.IO clients (python-socketio 5.x, and 4.6.1 for EIO3).
# The Persistence contract tests run against SQLite and against a throw-away PostgreSQL started here
# (GATEWAYD_TEST_POSTGRES_URL), which is stopped and removed on exit, failures included; the end-to-end tests run
# on SQLite, then again on that PostgreSQL.
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

# The same suites again on PostgreSQL: E2E_POSTGRES_URL makes every daemon and `gatewayd` command the tests start
# use the server above, a schema of its own per test database (`database` in Tests/e2e/conftest.py). Left out of
# this second run only tests that are the same on either backend, which the first run covers: those that start
# `sio-testapp` alone (no database at all), the cluster tests (PostgreSQL in both runs), memory churn, HTTP limits
# and the load generator's smoke test (connections and HTTP, their handlers touch no data). The JS and browser tests
# stay: the Feathers and BAASIX examples they drive keep their data in collections.
backend_independent=(
  --ignore=Tests/e2e/test_socketio_clients.py --ignore=Tests/e2e/test_socketio_negative.py
  --ignore=Tests/e2e/test_sticky_free.py --ignore=Tests/e2e/test_cluster.py --ignore=Tests/e2e/test_cluster_outage.py
  --ignore=Tests/e2e/test_cluster_recovery.py
  --ignore=Tests/e2e/test_memory_churn.py
  --ignore=Tests/e2e/test_http_limits.py --ignore=Tests/e2e/test_abuse_limits.py --ignore=Tests/e2e/test_bench_smoke.py
  --ignore=Tests/e2e/eio3/test_socketio_eio3.py
)
E2E_POSTGRES_URL=$GATEWAYD_TEST_POSTGRES_URL \
  .venv-v5/bin/pytest -q -p no:cacheprovider Tests/e2e --ignore=Tests/e2e/eio3 "${backend_independent[@]}"
E2E_POSTGRES_URL=$GATEWAYD_TEST_POSTGRES_URL \
  .venv-v4/bin/pytest -q -p no:cacheprovider Tests/e2e/eio3 "${backend_independent[@]}"

# Every parser under libFuzzer with AddressSanitizer for 20 s (the long runs are scripts/fuzz.sh TARGET SECONDS).
for target in json engineio-v4 engineio-v3 socketio jwt filter handlers admin; do
  scripts/fuzz.sh "$target" 20 2>&1 | tail -n 12
done
