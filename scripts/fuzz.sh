#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz/ from build-fuzz/ (make build-fuzz builds them), or
# from the build directory FUZZ_DIR names (make test: build-debug/, the ASan+UBSan build).
#   fuzz.sh seeds             writes each target's starting corpus to build-fuzz/seeds/<target>
#   fuzz.sh brief             runs each target over 100,000 inputs or 20 s (make test)
#   fuzz.sh campaign SECONDS [TARGET...]
#                             runs each target (or those named) for SECONDS from its corpus,
#                             prints its executions and adds them to tests/fuzz/campaigns.tsv
#                             (make fuzz), a file of the repository: commit it with the run
#   fuzz.sh totals            each target's executions over every campaign run (campaigns.tsv)
# Each target keeps what it finds in build-fuzz/corpus/<target>, so a campaign run resumes where
# the last one stopped; a crash stops the run with the target's report and leaves its input in
# build-fuzz/artifacts/<target>/ (reproduce with ./build-fuzz/herald_<target>_fuzz <that file>).
# Campaign runs record one frame of each allocation's stack instead of 30 (a fifth faster;
# reproducing an artifact prints the whole stacks).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${FUZZ_DIR:-build-fuzz}

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
ledger=${FUZZ_LEDGER:-tests/fuzz/campaigns.tsv}
if [[ $mode == totals ]]; then
  [[ -f $ledger ]] || { echo "no campaign run yet"; exit 0; }
  awk -F'\t' '/^#/ { next } { runs[$2]++; execs[$2] += $3; secs[$2] += $4 }
    END { for (t in execs) printf "%-18s %12.0f executions in %d runs, %.0f s\n", t, execs[t], runs[t], secs[t] }' \
    "$ledger" | sort
  exit 0
fi
seconds=${2:-}
only=("${@:3}")
for name in "${only[@]}"; do
  known=false
  for entry in "${TARGETS[@]}"; do [[ ${entry%% *} == "$name" ]] && known=true; done
  $known || { echo "no fuzz target $name" >&2; exit 2; }
done
wanted() {
  [[ $mode != campaign || ${#only[@]} -eq 0 ]] && return 0
  local name
  for name in "${only[@]}"; do [[ $name == "$1" ]] && return 0; done
  return 1
}
for entry in "${TARGETS[@]}"; do
  read -r target seeds flags <<<"$entry"
  wanted "$target" || continue
  binary=$dir/herald_${target}_fuzz
  corpus=$dir/corpus/$target
  seed_dir=$dir/seeds/$target
  artifacts=$dir/artifacts/$target/
  mkdir -p "$corpus" "$seed_dir" "$artifacts"
  flags="$flags -artifact_prefix=$artifacts"
  case $mode in
    seeds)
      ./$dir/herald_fuzz_seeds "$seed_dir" "$seeds"
      ;;
    brief)
      echo "fuzz $target:"
      # shellcheck disable=SC2086
      "$binary" $flags -runs=100000 -max_total_time=20 -max_len=4096 "$corpus" "$seed_dir" 2>&1 |
        tail -n 1
      ;;
    campaign)
      [[ -n $seconds ]] || { echo "campaign needs SECONDS" >&2; exit 2; }
      echo "fuzz $target:"
      log=$dir/campaign-$target.log
      started=$SECONDS
      status=0
      # shellcheck disable=SC2086
      ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}malloc_context_size=1 "$binary" $flags \
        -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 "$corpus" "$seed_dir" \
        >"$log" 2>&1 || status=$?
      # 72 is libFuzzer's exit after SIGINT: a run ended early, not a finding.
      if [[ $status -ne 0 && $status -ne 72 ]]; then
        grep -E "ERROR|SUMMARY" "$log" || tail -n 20 "$log"
        echo "fuzz $target stopped: see $log and $artifacts" >&2
        exit 1
      fi
      executions=$(awk '/stat::number_of_executed_units/ { n = $2 } END { print n + 0 }' "$log")
      elapsed=$((SECONDS - started))
      printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$executions" "$elapsed" \
        "$(git rev-parse --short HEAD 2>/dev/null || echo -)" >>"$ledger"
      echo "  $executions executions in $elapsed s"
      ;;
    *)
      echo "usage: $0 seeds | brief | campaign SECONDS [TARGET...] | totals" >&2
      exit 2
      ;;
  esac
done
