.PHONY: run test build bench bench-cost soak cluster-soak release

run:
	scripts/run.sh

test:
	scripts/test.sh

build:
	swift build

bench:
	[ -x .venv-v5/bin/python ] || bash scripts/setup.sh --test-clients
	.venv-v5/bin/python bench/run.py $(BENCH_ARGS)

# Cost per unit in instructions (callgrind), Node's socket.io beside it when its bundle is given.
bench-cost:
	[ -x .venv-v5/bin/python ] || bash scripts/setup.sh --test-clients
	.venv-v5/bin/python bench/cost.py $(BENCH_ARGS)

# Ten minutes of mixed traffic on a release build, then the checks (bench/soak.py; SOAK_ARGS to change its size).
soak:
	[ -x .venv-v5/bin/python ] || bash scripts/setup.sh --test-clients
	swift build -c release --scratch-path .build-release --product gatewayd
	swift build -c release --scratch-path .build-release --product gateway-bench
	.venv-v5/bin/python bench/soak.py --bin-dir .build-release/release --duration 600 --rss-window 300 $(SOAK_ARGS)

# Ten minutes on 3 nodes and a throw-away PostgreSQL, node 2 SIGTERM'd then killed (bench/cluster_soak.py;
# CLUSTER_SOAK_ARGS to change its size).
cluster-soak:
	[ -x .venv-v5/bin/python ] || bash scripts/setup.sh --test-clients
	swift build -c release --scratch-path .build-release --product gatewayd
	.venv-v5/bin/python bench/cluster_soak.py --bin-dir .build-release/release --duration 600 $(CLUSTER_SOAK_ARGS)

# One binary for a server: the Swift runtime linked in, so it needs only glibc, liblua5.4 and libsqlite3.
release:
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product gatewayd
	@if ldd .build-static/release/gatewayd | grep -q libswift; then echo "gatewayd links a Swift library dynamically" >&2; exit 1; fi
	@ldd .build-static/release/gatewayd
	@echo "built .build-static/release/gatewayd"
