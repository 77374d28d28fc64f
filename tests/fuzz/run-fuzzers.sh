#!/usr/bin/env bash
# Runs the structure-aware libFuzzer targets, one after the other, each on
# ONE core (nice 10), each for SECONDS (bounded with -max_total_time).
#
#   tests/fuzz/run-fuzzers.sh SECONDS [TARGET...]
#
# BUILD (default build-fuzz) is a clang build with -DWSSEC_BUILD_FUZZERS=ON
# (docs/DEVELOPMENT.md); WORK (default /tmp/wssec-fuzz) keeps, per target,
# the generated corpus (WORK/TARGET: replayable with the fuzz_TARGET_replay
# programs), the seeds (WORK/seeds/TARGET: made by fuzz_TARGET_replay
# --write-seeds from the project's messages and the field vectors, read in
# place) and any crash (WORK/artifacts/). FORK=1 keeps fuzzing after a crash
# (-fork=1: still one worker). Prints executions per target; exits 1 if a
# target crashed or broke an invariant.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:?usage: run-fuzzers.sh SECONDS [TARGET...]}
shift
targets=${*:-signature encryption username timestamp bst assertion config}
build=${BUILD:-build-fuzz}
work=${WORK:-/tmp/wssec-fuzz}
fv=../shared/field-vectors/vectors
mkdir -p "$work/artifacts"
status=0
for t in $targets; do
  fuzzer=$build/tests/fuzz/wssec_${t}_fuzzer
  replay=$build/tests/fuzz/fuzz_${t}_replay
  if [ ! -x "$fuzzer" ] || [ ! -x "$replay" ]; then
    echo "fuzz $t: NOT RUN ($fuzzer or $replay not built)"; status=1; continue
  fi
  mkdir -p "$work/$t" "$work/seeds/$t"
  src=(samples tests/interop/vectors tests/fuzz/corpus)
  [ -d "$fv" ] && src+=("$fv")
  [ "$t" = config ] && src+=(tests/cli/cases)
  [ -d "tests/fuzz/corpus/$t" ] && src+=("tests/fuzz/corpus/$t")
  if ! "$replay" --write-seeds "$work/seeds/$t" "${src[@]}" >"$work/$t.seeds.log" 2>&1; then
    echo "fuzz $t: the seeds broke an invariant (see $work/$t.seeds.log)"; status=1; continue
  fi
  extra=()
  [ "${FORK:-0}" = 1 ] && extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  log=$work/$t.log
  nice -n 10 "$fuzzer" -dict=tests/fuzz/wssec.dict -max_total_time="$secs" -max_len=20000 \
      -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 "${extra[@]}" \
      -artifact_prefix="$work/artifacts/$t-" "$work/$t" "$work/seeds/$t" >"$log" 2>&1
  rc=$?
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{s+=$2} END {print s+0}')
  if [ "$execs" = 0 ]; then
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  crashes=$(ls "$work/artifacts/$t-"* 2>/dev/null | wc -l)
  echo "fuzz $t: ${secs}s, ${execs:-?} executions, $cov, corpus $(ls "$work/$t" | wc -l) files, exit $rc, $crashes artifacts"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    grep -E 'invariant failed|ERROR: (Address|Undefined|Leak|libFuzzer)|runtime error' "$log" | head -5
    status=1
  fi
done
exit $status
