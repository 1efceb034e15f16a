# The two commands a newcomer runs: `make run` and `make test`.
# Both install what is missing (Debian packages), then build.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA_DIR ?= ./data

.PHONY: deps build build-debug run test test-unit test-fault test-sanitize bench clean format

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS) --target herald_unit_tests

run: build
	@bash scripts/run.sh $(DATA_DIR)

# Every tier: unit and fault tests on the Release build, then the unit tests under ASan+UBSan.
test: build build-debug
	@ctest --preset release -j $(JOBS)
	@ctest --preset debug -j $(JOBS)

test-unit: build
	@ctest --preset release -L unit -j $(JOBS)

test-fault: build
	@ctest --preset release -L fault -j $(JOBS)

test-sanitize: build-debug
	@ctest --preset debug -j $(JOBS)

bench: build
	@./build/herald bench storage --dir $(DATA_DIR)/bench

format:
	@clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf build build-debug
