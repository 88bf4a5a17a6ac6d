# The two commands of the README: `make run` sets everything up and runs a
# container; `make test` sets up the same way and runs the whole suite.
.PHONY: setup run test lint bench

setup:
	@bash scripts/setup.sh

run: setup
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
