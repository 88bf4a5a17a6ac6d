# The two commands of the README: `make run` sets up what berth needs and runs a
# container; `make test` sets that up with the test suite's peers and tools, and
# runs the whole suite.
.PHONY: setup setup-run run test lint bench

setup-run:
	@bash scripts/setup.sh

setup:
	@bash scripts/setup.sh --test

run: setup-run
	@bash scripts/base-image.sh
	.venv/bin/berth run --rm busybox echo hello from berth

lint: setup
	.venv/bin/ruff check src tests
	.venv/bin/lint-imports --no-cache --no-logo
	.venv/bin/mypy

test: setup lint
	BERTH_REQUIRE_PRIVILEGES=1 .venv/bin/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	bash bench/run-latency.sh
