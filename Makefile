.PHONY: run test build bench

run:
	scripts/run.sh

test:
	scripts/test.sh

build:
	swift build

bench:
	[ -x .venv-v5/bin/python ] || bash scripts/setup.sh --test-clients
	.venv-v5/bin/python bench/run.py $(BENCH_ARGS)
