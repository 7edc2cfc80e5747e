.PHONY: run test build bench bench-cost release

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

# One binary for a server: the Swift runtime linked in, so it needs only glibc, liblua5.4 and libsqlite3.
release:
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product gatewayd
	@if ldd .build-static/release/gatewayd | grep -q libswift; then echo "gatewayd links a Swift library dynamically" >&2; exit 1; fi
	@ldd .build-static/release/gatewayd
	@echo "built .build-static/release/gatewayd"
