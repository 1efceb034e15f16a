#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz/ from build-fuzz/ (make build-fuzz builds them).
#   fuzz.sh seeds             writes each target's starting corpus to build-fuzz/seeds/<target>
#   fuzz.sh brief             runs each target over 100,000 inputs or 40 s (make test)
#   fuzz.sh campaign SECONDS  runs each target for SECONDS and prints its executions (make fuzz)
# Each target keeps what it finds in build-fuzz/corpus/<target>; a crash stops the run with the
# target's report and leaves its input in build-fuzz/artifacts/<target>/ (reproduce with
# ./build-fuzz/herald_<target>_fuzz <that file>).
set -euo pipefail
cd "$(dirname "$0")/.."

# target, the herald_fuzz_seeds mode that writes its seeds, extra libFuzzer flags.
TARGETS=(
  "request requests"
  "batch batches"
  "log_recovery logs"
  "state_replay states"
  "eventstore_index esindex"
  "avro_schema avro"
  "json_schema jsonschema"
  # These two keep one node across inputs on purpose (making one costs more than most inputs):
  # memory held from one input to the next is state, not a leak.
  "kafka_handler sessions -detect_leaks=0"
  "http_router http -detect_leaks=0"
)

mode=${1:-}
for entry in "${TARGETS[@]}"; do
  read -r target seeds flags <<<"$entry"
  binary=build-fuzz/herald_${target}_fuzz
  corpus=build-fuzz/corpus/$target
  seed_dir=build-fuzz/seeds/$target
  artifacts=build-fuzz/artifacts/$target/
  mkdir -p "$corpus" "$seed_dir" "$artifacts"
  flags="$flags -artifact_prefix=$artifacts"
  case $mode in
    seeds)
      ./build-fuzz/herald_fuzz_seeds "$seed_dir" "$seeds"
      ;;
    brief)
      echo "fuzz $target:"
      # shellcheck disable=SC2086
      "$binary" $flags -runs=100000 -max_total_time=40 -max_len=4096 "$corpus" "$seed_dir" 2>&1 |
        tail -n 1
      ;;
    campaign)
      seconds=${2:?campaign needs SECONDS}
      echo "fuzz $target:"
      # shellcheck disable=SC2086
      "$binary" $flags -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
        "$corpus" "$seed_dir" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done"
      ;;
    *)
      echo "usage: $0 seeds | brief | campaign SECONDS" >&2
      exit 2
      ;;
  esac
done
