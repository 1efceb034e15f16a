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

FUZZ_TARGETS := request batch log_recovery

build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target $(FUZZ_TARGETS:%=herald_%_fuzz) herald_fuzz_seeds
	@mkdir -p build-fuzz/seeds/request build-fuzz/seeds/batch build-fuzz/seeds/log_recovery
	@./build-fuzz/herald_fuzz_seeds build-fuzz/seeds/request requests
	@./build-fuzz/herald_fuzz_seeds build-fuzz/seeds/batch batches
	@./build-fuzz/herald_fuzz_seeds build-fuzz/seeds/log_recovery logs

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

# A brief run of every fuzz target (in make test) and a long one (make fuzz, FUZZ_SECONDS=300 per
# target by default). Each target keeps its corpus in build-fuzz/corpus/<target>.
FUZZ_SECONDS ?= 300
test-fuzz: build-fuzz
	@set -o pipefail; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t; \
	  echo "fuzz $$t:"; \
	  ./build-fuzz/herald_$${t}_fuzz -runs=100000 -max_len=4096 build-fuzz/corpus/$$t build-fuzz/seeds/$$t 2>&1 | tail -n 1 \
	    || exit 1; \
	done

fuzz: build-fuzz
	@set -o pipefail; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t; \
	  ./build-fuzz/herald_$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    build-fuzz/corpus/$$t build-fuzz/seeds/$$t 2>&1 | grep -E "stat::number_of_executed_units|ERROR|Done" \
	    || exit 1; \
	done

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
