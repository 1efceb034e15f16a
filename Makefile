# The two commands a newcomer runs: `make run` and `make test`.
# Both install what is missing (Debian packages), then build.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA_DIR ?= ./data

.PHONY: deps build build-release-tests build-debug build-tsan build-fuzz run test test-unit test-fault test-tsan test-fuzz fuzz bench example clean format

deps:
	@bash scripts/install-deps.sh

# The broker binary (and herald-bench beside it): what `make run` needs.
build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target herald

# Everything the Release build defines: the binaries, the fault and the integration tests.
build-release-tests: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# ASan+UBSan (clang, -O0): the unit tests and the libFuzzer targets.
build-debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS) --target herald_unit_tests herald_fuzz_targets

build-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS) --target herald_unit_tests herald_fault_tests

# The libFuzzer targets optimised for campaigns (make fuzz) and their starting corpora
# (scripts/fuzz.sh lists them). The binaries are built too: this build compiles every source file
# alone (no unity batches), which shows an #include a batch hid.
build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target herald_fuzz_targets herald herald-bench
	@bash scripts/fuzz.sh seeds

run: build
	@bash scripts/run.sh $(DATA_DIR)

# Every tier: fault and integration tests on the Release build, the unit tests under ASan+UBSan,
# the unit and fault tests under ThreadSanitizer, and a short run of every fuzz target (the
# ASan+UBSan build's). The install script put every real client in place, so a missing one fails
# its tests (HERALD_REQUIRE_CLIENTS=1) instead of skipping them. Each build's tests run as soon
# as it is built, so a failure shows early.
test: deps
	@$(MAKE) --no-print-directory build-release-tests
	@HERALD_REQUIRE_CLIENTS=1 ctest --preset release -j $(JOBS)
	@$(MAKE) --no-print-directory build-debug
	@ctest --preset debug -j $(JOBS)
	@FUZZ_DIR=build-debug bash scripts/fuzz.sh seeds
	@FUZZ_DIR=build-debug bash scripts/fuzz.sh brief
	@$(MAKE) --no-print-directory build-tsan
	@ctest --preset tsan -j $(JOBS)

test-unit: build-debug
	@ctest --preset debug -j $(JOBS)

test-fault: build-release-tests
	@ctest --preset release -L fault -j $(JOBS)

test-tsan: build-tsan
	@ctest --preset tsan -j $(JOBS)

# A brief run of every fuzz target (as in make test: 100,000 inputs or 20 s each) and a campaign
# (make fuzz, FUZZ_SECONDS=300 per target by default, FUZZ_TARGETS to run only some). Corpora
# stay in build-fuzz/corpus/<target>; scripts/fuzz.sh totals sums every campaign run's executions.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?=
test-fuzz: build-fuzz
	@bash scripts/fuzz.sh brief

fuzz: build-fuzz
	@bash scripts/fuzz.sh campaign $(FUZZ_SECONDS) $(FUZZ_TARGETS)

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
	rm -rf build build-debug build-tsan build-fuzz
