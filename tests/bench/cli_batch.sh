#!/bin/sh
# The CLI over a batch of files (issue 18): N plain messages secured into one
# directory, then the N secured ones verified into another, timed, with
# --sync batch (the default: one syncfs per run) and --sync each (a sync per
# file); checks that every output is there, whole, and that no temporary
# file is left. Prints files per second.
#
# usage: tests/bench/cli_batch.sh WSSEC_BINARY [N] [WORKDIR] [SYNC...]
#   SYNC: batch, each, or "old" (a binary without --sync: no option given)
set -eu
bin=$1
n=${2:-500}
work=${3:-$(mktemp -d)}
shift $(( $# < 3 ? $# : 3 ))
modes=${*:-batch each}
src=$(cd "$(dirname "$0")/../.." && pwd)
pki=$src/samples/pki
mkdir -p "$work/in"
i=0
while [ "$i" -lt "$n" ]; do
    cp "$src/samples/hello.xml" "$work/in/m$i.xml"
    i=$((i + 1))
done
now() { date +%s.%N; }
rate() { awk -v n="$n" -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", n / (b - a) }'; }
for mode in $modes; do
    opt="--sync $mode"
    [ "$mode" = old ] && opt=
    rm -rf "$work/signed" "$work/verified"
    mkdir -p "$work/signed" "$work/verified"
    t0=$(now)
    # shellcheck disable=SC2086
    "$bin" secure $opt --timestamp --sign-key "$pki/alice.key" --sign-cert "$pki/alice.crt" \
        --output-dir "$work/signed" "$work/in"/*.xml
    t1=$(now)
    # shellcheck disable=SC2086
    "$bin" verify $opt --trust "$pki/root.crt" --certs "$pki/inter.crt" \
        --output-dir "$work/verified" "$work/signed"/*.xml
    t2=$(now)
    for d in signed verified; do
        got=$(find "$work/$d" -name 'm*.xml' -size +0 | wc -l)
        left=$(find "$work/$d" -name '.*' -type f | wc -l)
        if [ "$got" -ne "$n" ] || [ "$left" -ne 0 ]; then
            echo "cli_batch: $mode: $d has $got of $n outputs, $left temporary files" >&2
            exit 1
        fi
    done
    echo "sync $mode: secure $(rate "$t0" "$t1") files/s, verify $(rate "$t1" "$t2") files/s ($n files)"
done
