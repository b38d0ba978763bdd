# Sentinel Console. The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Reinstall when the project's dependencies change.
STAMP_RUN  = $(VENV)/.installed-run
STAMP_TEST = $(VENV)/.installed-test

.PHONY: run test setup-system check lint typecheck layers pytest bench bench-wall clean

run: setup-system $(STAMP_RUN)
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
	  echo "No display found. Start the console on a virtual screen with:"; \
	  echo "  xvfb-run -a -s '-screen 0 1920x1080x24' make run"; exit 2; fi
	$(BIN)/sentinel-console --demo

test: setup-system $(STAMP_TEST) check

setup-system:
	@bash scripts/setup-system.sh

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(STAMP_RUN)

check: lint typecheck layers pytest

lint:
	$(BIN)/ruff check console video widgets storage tests benchmarks scripts
	$(BIN)/ruff format --check console video widgets storage tests benchmarks scripts

typecheck:
	$(BIN)/mypy --strict storage video
	$(BIN)/mypy console widgets

layers:
	$(BIN)/lint-imports

pytest:
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP_TEST)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/record_bench.py

# The video wall benchmark (starts its own Xvfb when /usr/bin/Xvfb exists); see benchmarks/video_wall.py.
BENCH_WALL_ARGS ?= --feeds 16 --source file --resolution d1 --sub-stream 360p --seconds 30
bench-wall: setup-system $(STAMP_TEST)
	$(BIN)/python -m benchmarks.video_wall $(BENCH_WALL_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
