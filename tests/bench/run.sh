#!/usr/bin/env bash
# The whole benchmark comparison with one command (issue #9): builds wssec (Release) into
# build-bench/, runs wssec_bench (the cases, the machine's limits, the 2-thread scaling),
# then the same operations with WSS4J 1.6 (one JVM) and with gSOAP's wsse plugin when they
# are installed, and prints one side-by-side table; writes it to tests/bench/RESULTS.md.
#
#   tests/bench/run.sh [--quick] [--time S] [--reps N] [--sizes LIST] [--cases LIST]
#                      [--no-java] [--no-gsoap] [--results FILE]
#
#   --quick         a smoke run: 2K only, tiny times (numbers not meaningful)
#   --time S        seconds per repetition (default 1), --reps N repetitions (default 5)
#   --sizes LIST    default 2K,20K,200K,2M,20M
#   --cases LIST    wssec_bench case names (see wssec_bench --list); the peers run the same
#   --no-java, --no-gsoap   leave a peer out (reported as not measured)
#   --results FILE  where the Markdown goes (default tests/bench/RESULTS.md)
#
# Scratch files (JSON lines, the messages the peers use, the peers' builds) go to
# build-bench/bench-out/. Needs: cmake, a C compiler, the wssec build dependencies; for the
# peers, the JDK with libwss4j-java and libxml-security-java, and gsoap + libgsoap-dev
# (scripts/install-deps.sh installs them all). A missing peer is reported, never faked.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-bench
out=$build/bench-out
results=$here/RESULTS.md
time_s=1 reps=5 sizes=2K,20K,200K,2M,20M cases="" quick=0 java=1 gsoap=1
command="tests/bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --time) time_s=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --no-java) java=0; shift ;;
    --no-gsoap) gsoap=0; shift ;;
    --results) results=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then time_s=0.1 reps=2 sizes=2K; fi
peer_warmup=3 java_max_warmup=60
[ "$quick" = 1 ] && peer_warmup=0.2 java_max_warmup=1

mkdir -p "$out"
rm -f "$out"/*.jsonl "$out/peers.txt"
: > "$out/peers.txt"
pki=$root/samples/pki

echo "==== build (Release) into build-bench/"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWSSEC_BUILD_TESTS=OFF \
      -DWSSEC_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target wssec_bench >/dev/null
bench=$build/tests/bench/wssec_bench

echo "==== wssec_bench"
bargs=(--time "$time_s" --reps "$reps" --sizes "$sizes" --json "$out/wssec.jsonl")
[ "$quick" = 1 ] && bargs+=(--warmup 0.05 --scaling 2K)
[ -n "$cases" ] && bargs+=(--cases "$cases")
status=0
"$bench" "${bargs[@]}" | tee "$out/wssec.txt" || status=$?

# The peers get the same messages, written just before each peer runs (the Timestamps and
# UsernameTokens in them use the real clock). Sizes wssec cannot secure are left out.
dump() {
  rm -rf "$out/msgs"
  "$bench" --dump "$out/msgs" --sizes "$sizes" >/dev/null 2>"$out/dump.log" || true
}

peer_cases=${cases:-limits,secure,verify,encrypt,decrypt,secure+encrypt,decrypt+verify,ut-generate,ut-validate}

echo "==== WSS4J"
jars=(wss4j.jar xmlsec.jar commons-logging.jar commons-codec.jar slf4j-api.jar slf4j-nop.jar)
why=""
if [ "$java" = 0 ]; then
  why="left out (--no-java)"
elif ! command -v java >/dev/null || ! command -v javac >/dev/null; then
  why="no JDK (openjdk-17-jdk-headless)"
else
  for j in "${jars[@]}"; do
    [ -r "/usr/share/java/$j" ] || why="missing /usr/share/java/$j (libwss4j-java, libxml-security-java, ...)"
  done
fi
if [ -z "$why" ]; then
  cp=$(printf '/usr/share/java/%s:' "${jars[@]}"); cp=${cp%:}
  mkdir -p "$out/java"
  if javac -nowarn -encoding UTF-8 -d "$out/java" -cp "$cp" "$here/java/BenchWss4j.java" \
       2>"$out/javac.log"; then
    dump
    # one JVM, not pinned to a core; 4 GB of heap for the 20 MB messages
    java -Xmx4g -Xms1g -cp "$out/java:$cp" BenchWss4j --dir "$out/msgs" --pki "$pki" \
         --sizes "$sizes" --cases "$peer_cases" --time "$time_s" --reps "$reps" \
         --warmup "$peer_warmup" --max-warmup "$java_max_warmup" --json "$out/wss4j.jsonl" >/dev/null || why="BenchWss4j failed (exit $?)"
  else
    why="BenchWss4j does not compile: $(head -c 300 "$out/javac.log")"
  fi
fi
[ -n "$why" ] && { echo "WSS4J: not measured ($why)" | tee -a "$out/peers.txt"; }

echo "==== gSOAP"
why=""
g=/usr/share/gsoap
if [ "$gsoap" = 0 ]; then
  why="left out (--no-gsoap)"
elif ! command -v soapcpp2 >/dev/null || [ ! -r $g/plugin/wsseapi.c ] || ! pkg-config --exists gsoapssl; then
  why="gSOAP is not installed (gsoap, libgsoap-dev)"
fi
if [ -z "$why" ]; then
  mkdir -p "$out/gsoap"
  if soapcpp2 -c -L -x -d "$out/gsoap" -I$g/import -I$g "$here/gsoap/bench.h" >"$out/gsoap/soapcpp2.log" 2>&1 &&
     # shellcheck disable=SC2046
     cc -O2 -w $(pkg-config --cflags gsoapssl) -I"$out/gsoap" -I$g/plugin -I$g \
        -o "$out/gsoap/gsoap_bench" "$here/gsoap/gsoap_bench.c" "$out/gsoap/soapC.c" \
        "$out/gsoap/soapServer.c" "$out/gsoap/soapClient.c" $g/plugin/wsseapi.c \
        $g/plugin/smdevp.c $g/plugin/mecevp.c $g/custom/struct_timeval.c \
        $(pkg-config --libs gsoapssl) -lssl -lcrypto -lz -lm 2>"$out/gsoap/cc.log"; then
    dump
    "$out/gsoap/gsoap_bench" --dir "$out/msgs" --pki "$pki" --sizes "$sizes" --cases "$peer_cases" \
        --time "$time_s" --reps "$reps" --warmup "$(awk "BEGIN{print ($time_s < 0.5 ? $time_s : 0.5)}")" \
        > "$out/gsoap.jsonl" || why="gsoap_bench failed"
  else
    why="the gSOAP bench does not build (see $out/gsoap/*.log)"
  fi
fi
[ -n "$why" ] && { echo "gSOAP: not measured ($why)" | tee -a "$out/peers.txt"; }

echo
echo "==== side by side"
files=("$out/wssec.jsonl")
[ -s "$out/wss4j.jsonl" ] && files+=("$out/wss4j.jsonl")
[ -s "$out/gsoap.jsonl" ] && files+=("$out/gsoap.jsonl")
python3 "$here/report.py" --out "$results" --peers "$out/peers.txt" --command "$command" "${files[@]}"
echo "(written to ${results#"$root"/}; raw JSON lines in ${out#"$root"/}/)"
exit "$status"
