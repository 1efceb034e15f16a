# The two commands a newcomer runs: `make run` and `make test`.
# Both install what is missing (Debian packages), then build.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA_DIR ?= ./data

.PHONY: deps build build-debug build-fuzz run test test-unit test-fault test-sanitize test-fuzz fuzz bench example clean format

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS) --target herald_unit_tests

build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target herald_request_fuzz herald_fuzz_seeds
	@mkdir -p build-fuzz/seeds && ./build-fuzz/herald_fuzz_seeds build-fuzz/seeds

run: build
	@bash scripts/run.sh $(DATA_DIR)

# Every tier: unit, fault and integration tests on the Release build, the unit tests under
# ASan+UBSan, and a short libFuzzer run over request decoding.
test: build build-debug build-fuzz
	@ctest --preset release -j $(JOBS)
	@ctest --preset debug -j $(JOBS)
	@$(MAKE) --no-print-directory test-fuzz

test-unit: build
	@ctest --preset release -L unit -j $(JOBS)

test-fault: build
	@ctest --preset release -L fault -j $(JOBS)

test-sanitize: build-debug
	@ctest --preset debug -j $(JOBS)

# A brief fuzz run (in make test) and a long one (make fuzz, FUZZ_SECONDS=300 by default).
FUZZ_SECONDS ?= 300
test-fuzz: build-fuzz
	@mkdir -p build-fuzz/corpus
	@./build-fuzz/herald_request_fuzz -runs=200000 -max_len=4096 build-fuzz/corpus build-fuzz/seeds 2>&1 | tail -n 1

fuzz: build-fuzz
	@mkdir -p build-fuzz/corpus
	@./build-fuzz/herald_request_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus build-fuzz/seeds

bench: build
	@./build/herald bench storage --dir $(DATA_DIR)/bench

# The SDK as an outside project uses it: installs the build into build/install, builds
# examples/orders against it (find_package(herald)) in build/example, and runs it embedded and
# against a fresh `herald serve`.
example: build
	@bash scripts/run-example.sh build

format:
	@clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf build build-debug build-fuzz
