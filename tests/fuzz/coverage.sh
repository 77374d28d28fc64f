#!/usr/bin/env bash
# Line coverage of src/tokens (and the rest of src/) reached by the fuzz
# targets: replays the seeds and the generated corpora (WORK/TARGET, see
# run-fuzzers.sh) with the replay programs of a clang source-based coverage
# build, and prints llvm-cov's report.
#
#   CC=clang CFLAGS="-fprofile-instr-generate -fcoverage-mapping" \
#   LDFLAGS=-fprofile-instr-generate cmake -S . -B build-cov \
#       -DCMAKE_BUILD_TYPE=Debug -DBUILD_SHARED_LIBS=OFF
#   cmake --build build-cov --target fuzz_signature_replay ... (every fuzz_*_replay)
#   tests/fuzz/coverage.sh [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build-cov}
work=${WORK:-/tmp/wssec-fuzz}
targets=${*:-signature encryption username timestamp bst assertion config}
fv=../shared/field-vectors/vectors
prof=$build/fuzz-profiles
rm -rf "$prof"
mkdir -p "$prof"
objs=()
for t in $targets; do
  replay=$build/tests/fuzz/fuzz_${t}_replay
  [ -x "$replay" ] || { echo "coverage: $replay not built"; exit 1; }
  src=(samples tests/interop/vectors tests/fuzz/corpus)
  [ -d "$fv" ] && src+=("$fv")
  [ "$t" = config ] && src+=(tests/cli/cases)
  [ -d "tests/fuzz/corpus/$t" ] && src+=("tests/fuzz/corpus/$t")
  [ -d "$work/$t" ] && src+=("$work/$t")
  LLVM_PROFILE_FILE="$prof/$t-%p.profraw" nice -n 10 "$replay" "${src[@]}" | tail -1
  objs+=(-object "$replay")
done
llvm-profdata merge -sparse "$prof"/*.profraw -o "$prof/all.profdata"
first=${objs[1]}
llvm-cov report "$first" "${objs[@]:2}" -instr-profile="$prof/all.profdata" \
    src/tokens/*.c
echo
llvm-cov report "$first" "${objs[@]:2}" -instr-profile="$prof/all.profdata" src/*.c |
    tail -1 | sed 's/^TOTAL/src\/*.c TOTAL/'
