#!/usr/bin/env bash
# The test command: builds wssec warning-free and runs every test; then the
# same suite under AddressSanitizer + UndefinedBehaviorSanitizer; then the
# CLI tests under valgrind; then the house checks.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fail=0

step() { printf '\n==== %s\n' "$*"; }

# After scripts/demo.sh (which installs the build set only), the peers,
# redis-server and valgrind are still missing: install the test set first.
step "test dependencies (scripts/install-deps.sh --test)"
scripts/install-deps.sh --test

step "house checks: no unbounded string calls"
if grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi)\s*\(' src include plugins samples tests/unit httpd; then
  echo "banned call found"; fail=1
fi

step "build (-Werror) and test"
# WSSEC_BUILD_BENCH is off by default: on here, for the smoke run below
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSSEC_WERROR=ON -DWSSEC_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs") || fail=1

step "benchmark smoke run (wssec_bench --quick: every case once, 2 KB, a few seconds)"
build/tests/bench/wssec_bench --quick >build/bench-quick.txt 2>&1 && echo "wssec_bench --quick: ok" ||
  { cat build/bench-quick.txt; fail=1; }

step "build with ASan+UBSan and test"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWSSEC_ASAN=ON -DWSSEC_UBSAN=ON -DWSSEC_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs") || fail=1

step "field vectors (messages other stacks wrote): release build, then ASan+UBSan"
tests/field-vectors.sh build/wssec plain || fail=1
tests/field-vectors.sh build-asan/wssec asan || fail=1

step "fuzz targets: a short libFuzzer run of each (22 s each, one core; clang only)"
if command -v clang >/dev/null 2>&1 &&
   printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
   clang -fsanitize=fuzzer -x c - -o build/libfuzzer-probe >/dev/null 2>&1; then
  CC=clang cmake -S . -B build-fuzz -DWSSEC_BUILD_FUZZERS=ON -DWSSEC_ASAN=ON -DWSSEC_UBSAN=ON \
      -DBUILD_SHARED_LIBS=OFF -DWSSEC_BUILD_BENCH=OFF >/dev/null
  fuzz_targets=""
  for t in signature encryption username timestamp bst assertion config; do
    fuzz_targets="$fuzz_targets wssec_${t}_fuzzer fuzz_${t}_replay"
  done
  # shellcheck disable=SC2086
  cmake --build build-fuzz -j"$jobs" --target $fuzz_targets >/dev/null &&
    WORK=$PWD/build-fuzz/fuzz-work tests/fuzz/run-fuzzers.sh 22 || fail=1
else
  echo "fuzz targets: NOT RUN (clang with libFuzzer is not available)"
fi

step "CLI tests under valgrind (two halves at once, one per core)"
# every case is NN-name or NNN-name: the two halves hold each case once
WSSEC_VALGRIND=1 tests/cli/run.sh "$PWD/build/wssec" "$PWD" '[0-9][0-9]-*' '2[0-9][0-9]-*' \
    >build/cli-valgrind-a.log 2>&1 &
vg_a=$!
WSSEC_VALGRIND=1 tests/cli/run.sh "$PWD/build/wssec" "$PWD" '1[0-9][0-9]-*' '3[0-9][0-9]-*' \
    >build/cli-valgrind-b.log 2>&1 &
vg_b=$!
wait "$vg_a" || fail=1
wait "$vg_b" || fail=1
cat build/cli-valgrind-a.log build/cli-valgrind-b.log
total=$(ls -d tests/cli/cases/*/ | wc -l)
ran=$(cat build/cli-valgrind-a.log build/cli-valgrind-b.log | grep -cE '^(ok|FAIL) ' || true)
[ "$ran" -eq "$total" ] || { echo "CLI under valgrind: $ran of $total cases ran"; fail=1; }

# (the ctest runs above include "redis": tests/redis/run.sh starts redis-server
# on a free loopback port and a Unix socket, runs test_redis and the CLI cases)
step "field vectors under valgrind"
tests/field-vectors.sh build/wssec valgrind || fail=1

step "Redis replay cache tests under valgrind"
WSSEC_VALGRIND=1 WSSEC_REDIS_TRIALS=20 tests/redis/run.sh "$PWD/build/wssec" \
    "$PWD/build/tests/test_redis" "$PWD" || fail=1

step "interoperability matrix (WSS4J, zeep, xmlsec1, gSOAP)"
tests/interop/run-matrix.sh --wssec "$PWD/build/wssec" || fail=1

step "install into a prefix; run the installed wssec and the embedding sample built with pkg-config and with find_package(wssec), without LD_LIBRARY_PATH"
inst=$PWD/build/install-test
rm -rf "$inst" build/embed-cmake build/embed_pc
cmake --install build --prefix "$inst" >/dev/null
unset LD_LIBRARY_PATH
out=$("$inst/bin/wssec" --version 2>&1) && echo "installed bin/wssec --version: ok ($out)" ||
  { echo "installed bin/wssec --version FAILED: $out"; fail=1; }
# exactly what the README's embedding section says, nothing more: the .pc's
# Libs carry the rpath to the installed libdir
(export PKG_CONFIG_PATH="$inst/lib/pkgconfig"
 cc samples/embed_verify.c $(pkg-config --cflags --libs wssec) -o build/embed_pc &&
 tests/cli/sample_embed.sh "$inst/bin/wssec" "$PWD/build/embed_pc" "$PWD" >build/embed_pc.log 2>&1 &&
 echo "pkg-config wssec: built and ran ok") || { cat build/embed_pc.log 2>/dev/null; fail=1; }
mkdir -p build/embed-cmake
printf '%s\n' 'cmake_minimum_required(VERSION 3.18)' 'project(embed C)' \
    'find_package(wssec 0.1 REQUIRED)' \
    "add_executable(embed_verify \"$PWD/samples/embed_verify.c\")" \
    'target_link_libraries(embed_verify PRIVATE wssec::wssec)' > build/embed-cmake/CMakeLists.txt
(cmake -S build/embed-cmake -B build/embed-cmake/b -DCMAKE_PREFIX_PATH="$inst" >/dev/null &&
 cmake --build build/embed-cmake/b >/dev/null &&
 tests/cli/sample_embed.sh "$inst/bin/wssec" "$PWD/build/embed-cmake/b/embed_verify" "$PWD" \
   >build/embed_cmake.log 2>&1 && echo "find_package(wssec): built and ran ok") ||
  { cat build/embed_cmake.log 2>/dev/null; fail=1; }

step "headers compile on their own (C99, -pedantic)"
echo '#include <wssec/wssec.h>
int main(void) { return wssec_check_version(WSSEC_VERSION_NUMBER); }' > build/headertest.c
cc -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -Ibuild/include $(pkg-config --cflags libxml-2.0) \
   -c build/headertest.c -o build/headertest.o || fail=1

if [ "$fail" -ne 0 ]; then
  echo "run-all: FAILED"; exit 1
fi
echo "run-all: all passed"
