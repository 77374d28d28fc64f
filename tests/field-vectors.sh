#!/usr/bin/env bash
# The field vectors (messages other stacks wrote, ../shared/field-vectors),
# read in place with `verify` and `inspect`:
#
#   tests/field-vectors.sh WSSEC [plain|asan|valgrind]
#
# Passes when no run crashed, no sanitizer or valgrind report appeared, and
# every row agrees with its expected verdict except rows classified
# UNSUPPORTED (valid messages that need a feature wssec does not have yet:
# those are listed, and each one that agrees is welcome). When the vectors
# are not beside the checkout, says so plainly and does not pretend to pass.
set -uo pipefail
bin=${1:?usage: field-vectors.sh WSSEC [plain|asan|valgrind]}
mode=${2:-plain}
here=$(cd "$(dirname "$0")/.." && pwd)
fv=$here/../shared/field-vectors
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
if [ ! -x "$fv/run.sh" ]; then
    echo "field vectors: NOT RUN: $fv/run.sh is not there (the vectors live beside the checkout)"
    exit 0
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# run.sh takes a program: a wrapper puts the sanitizer or valgrind around it
# and sends every report to a file of its own
wrap=$logs/wssec
case $mode in
plain) printf '#!/bin/sh\nexec "%s" "$@"\n' "$bin" > "$wrap" ;;
asan)
    printf '#!/bin/sh\nASAN_OPTIONS=detect_leaks=1:log_path=%s/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=%s/ubsan exec "%s" "$@"\n' \
        "$logs" "$logs" "$bin" > "$wrap" ;;
valgrind)
    printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file=%s/vg.%%p "%s" "$@"\n' \
        "$logs" "$bin" > "$wrap" ;;
*) echo "field-vectors.sh: unknown mode $mode" >&2; exit 2 ;;
esac
chmod +x "$wrap"
out=$("$fv/run.sh" "$wrap" --inspect)
rc=$?
printf '%s\n' "$out" | grep -E '^== summary|inspect:|^ +(OK|BUG|UNSUPPORTED|BAD-VECTOR) '
fail=0
[ $rc -eq 0 ] || { echo "field vectors: a run crashed"; fail=1; }
wrong=$(printf '%s\n' "$out" | grep -E '^(OK|BUG|BAD-VECTOR) .* DIFFERS ')
if [ -n "$wrong" ]; then
    echo "field vectors: rows that must agree and do not:"; printf '%s\n' "$wrong"; fail=1
fi
if printf '%s\n' "$out" | grep -qE 'inspect: [1-9]'; then
    echo "field vectors: inspect failed on some row"; fail=1
fi
reports=$(cat "$logs"/asan* "$logs"/ubsan* 2>/dev/null; grep -l . "$logs"/vg.* 2>/dev/null | xargs -r cat)
if [ -n "$reports" ]; then
    echo "field vectors: $mode reported:"; printf '%s\n' "$reports" | head -60; fail=1
fi
unsupported=$(printf '%s\n' "$out" | grep -cE '^UNSUPPORTED .* DIFFERS ')
echo "field vectors ($mode): $([ $fail -eq 0 ] && echo ok || echo FAILED); $unsupported UNSUPPORTED rows still differ (features to come)"
exit $fail
