#!/usr/bin/env bash
# mod_wssec under load (issue 17's benchmark; not a timed test, not in ctest):
# wrk on loopback with a script that sends each pre-signed message once
# (distinct messages, so replay detection stays on and every request is
# checked), against
#   1. the backend directly (tests/gateway/backend.py),
#   2. the gateway (httpd, event MPM, mod_wssec, proxying to that backend),
# and wssec_bench's in-process verify of a message of the same size with the
# same thread count. Prints requests/s, p50 and p99 latency and errors.
#
#   tests/gateway/bench.sh [WSSEC [MOD_WSSEC_SO [WSSEC_BENCH]]]
#   (defaults: build/wssec, build/mod_wssec.so, build/tests/bench/wssec_bench)
#
# Environment: BENCH_SECONDS (10) per run, BENCH_CONNECTIONS (4),
# BENCH_THREADS (2: wrk's threads, and wssec_bench's), BENCH_MESSAGES (30000:
# messages signed beforehand; a run that would need more reuses them, and
# the replays it sends show as errors, which the script points out).
# BENCH_MEMORY_SECONDS (unset: no memory run): after the table, load the
# gateway that long and sample every child's resident memory every 10 s;
# each child must stay within 10% of where it settled (its resident size a
# fifth of the way into the run). This run turns replay-signatures off, so
# that the pre-signed messages can be sent again and every request is
# accepted and proxied (the replay cache is httpd's shmcb, a fixed-size
# shared segment made at start-up, so it cannot grow a child's heap).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WSSEC=${1:-$ROOT/build/wssec}
MOD=${2:-$ROOT/build/mod_wssec.so}
BENCH=${3:-$ROOT/build/tests/bench/wssec_bench}
SECS=${BENCH_SECONDS:-10} CONNS=${BENCH_CONNECTIONS:-4} THREADS=${BENCH_THREADS:-2}
N=${BENCH_MESSAGES:-30000}
MEMSECS=${BENCH_MEMORY_SECONDS:-0}
LIFE=$((SECS * 3 + MEMSECS + 300))   # the servers stop by themselves after this
APACHE=${WSSEC_APACHE2:-/usr/sbin/apache2}
MODDIR=${WSSEC_APACHE_MODULES:-/usr/lib/apache2/modules}
for need in "$APACHE" wrk python3 "$WSSEC" "$MOD" "$BENCH"; do
    command -v "$need" >/dev/null 2>&1 || [ -e "$need" ] ||
        { echo "bench: $need not found (build with -DWSSEC_BUILD_BENCH=ON; wrk: apt-get install wrk)"; exit 2; }
done
MOD=$(cd "$(dirname "$MOD")" && pwd)/$(basename "$MOD")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wssec-bench.XXXXXX") || exit 2
HTTPD_PID="" BACKEND_PID="" APACHE_PID=""
cleanup() {
    for p in $APACHE_PID $HTTPD_PID $BACKEND_PID; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
GW_PORT=$(port) BE_PORT=$(port)
PKI=$ROOT/samples/pki

# N distinct messages with a 2 KB Body (what wssec_bench calls 2K), signed
echo "bench: signing $N messages ..."
mkdir -p "$WORK/plain" "$WORK/signed"
pad=$(head -c 2000 /dev/zero | tr '\0' 'x')
printf '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/><soap:Body><m:GetQuote xmlns:m="urn:example:quotes"><m:Symbol>%s</m:Symbol></m:GetQuote></soap:Body></soap:Envelope>\n' \
    "$pad" >"$WORK/plain/m.xml"
for i in $(seq -w 1 "$N"); do ln -s m.xml "$WORK/plain/m$i.xml"; done
rm "$WORK/plain/m.xml.tmp" 2>/dev/null
(cd "$WORK/plain" && find . -name 'm[0-9]*.xml' -print0 | sort -z |
    xargs -0 -n 2000 "$WSSEC" secure --timestamp --timestamp-ttl 3600 --sign-key "$PKI/alice.key" \
        --sign-cert "$PKI/alice.crt" --output-dir "$WORK/signed" >/dev/null) ||
    { echo "bench: signing failed"; exit 2; }
ls "$WORK/signed" | sort >"$WORK/list"
SIZE=$(wc -c <"$WORK/signed/$(head -1 "$WORK/list")")

cat >"$WORK/post.lua" <<LUA
-- each thread sends its own share of the pre-signed messages, each once
local files, i, n = {}, 0, 0
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args)
  local k = 0
  for name in io.lines("$WORK/list") do
    if k % $THREADS == id then
      local f = io.open("$WORK/signed/" .. name, "rb"); files[#files + 1] = f:read("*a"); f:close()
    end
    k = k + 1
  end
  n = #files
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format("POST", nil, { ["Content-Type"] = "text/xml; charset=utf-8" }, files[i])
end
function done(s, lat, req)
  local e = s.errors
  io.stderr:write(string.format("wrk errors: connect %d read %d write %d status %d timeout %d\n", e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("RESULT %d %.3f %.3f %.3f %d\n", s.requests, s.duration / 1e6,
    lat:percentile(50) / 1000, lat:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
LUA

cat >"$WORK/gateway.xml" <<XML
<wssec xmlns="urn:wssec:config:1">
  <trust>$PKI/root.crt</trust>
  <certs>$PKI/inter.crt</certs>
  <max-age>3600</max-age>
</wssec>
XML
sed 's|</wssec>|  <replay-signatures>false</replay-signatures>\n</wssec>|' "$WORK/gateway.xml" >"$WORK/memory.xml"
user_lines=""
[ "$(id -u)" -eq 0 ] && { chmod 755 "$WORK"; user_lines=$'User nobody\nGroup nogroup'; }
cat >"$WORK/httpd.conf" <<CONF
ServerRoot "$WORK"
ServerName 127.0.0.1
PidFile "$WORK/httpd.pid"
DefaultRuntimeDir "$WORK"
Listen 127.0.0.1:$GW_PORT
$user_lines
LoadModule mpm_event_module $MODDIR/mod_mpm_event.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule proxy_module $MODDIR/mod_proxy.so
LoadModule proxy_http_module $MODDIR/mod_proxy_http.so
LoadModule socache_shmcb_module $MODDIR/mod_socache_shmcb.so
LoadModule wssec_gateway_module $MOD
StartServers 2
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
ErrorLog "$WORK/error.log"
LogLevel warn
<Location "/svc/">
    WSSecConfig "$WORK/gateway.xml"
    WSSecStripSecurity On
    ProxyPass "http://127.0.0.1:$BE_PORT/svc/" keepalive=On
</Location>
<Location "/mem/">
    WSSecConfig "$WORK/memory.xml"
    WSSecStripSecurity On
    ProxyPass "http://127.0.0.1:$BE_PORT/svc/" keepalive=On
</Location>
CONF

python3 - "$BE_PORT" "$LIFE" 2>/dev/null <<'PY' &
import http.server, sys, threading, os
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200); self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
threading.Timer(int(sys.argv[2]), lambda: os._exit(0)).start()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
BACKEND_PID=$!
timeout "$LIFE" "$APACHE" -f "$WORK/httpd.conf" -DFOREGROUND &
HTTPD_PID=$!
for _ in $(seq 100); do [ -s "$WORK/httpd.pid" ] && break; sleep 0.1; done
APACHE_PID=$(cat "$WORK/httpd.pid" 2>/dev/null)
sleep 1

run() { # run NAME URL: one wrk run, a table row
    local out
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" -s "$WORK/post.lua" "$2" 2>"$WORK/wrk.err" | grep "^RESULT") ||
        { echo "| $1 | wrk failed | | | |"; return; }
    sed "s/^/  ($1) /" "$WORK/wrk.err" >&2
    set -- "$1" $out
    printf '| %s | %.0f | %s | %s | %s |\n' "$1" "$(echo "$3 / $4" | bc -l)" "$5" "$6" "$7"
    GW_SENT=$3
}
echo
echo "Message: $SIZE bytes signed (a 2 KB Body); $THREADS wrk threads, $CONNS connections, ${SECS} s per run."
echo
echo "| target | requests/s | p50 ms | p99 ms | errors |"
echo "|---|---:|---:|---:|---:|"
run "backend directly (python http.server)" "http://127.0.0.1:$BE_PORT/svc/echo"
GW_SENT=0
run "gateway (httpd event MPM + mod_wssec, proxying to it)" "http://127.0.0.1:$GW_PORT/svc/echo"
"$BENCH" --cases scaling --scaling 2K --time 1 --reps 3 --json "$WORK/bench.json" >/dev/null 2>&1
python3 - "$WORK/bench.json" "$THREADS" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("case") == "verify-scaling" and str(r.get("threads")) in ("1", sys.argv[2]):
        print("| wssec_bench in-process verify, %s thread(s), %d bytes | %.0f | %.3f (mean) | - | 0 |"
              % (r["threads"], r["bytes"], r["ops_per_s"], r["us_per_op"] / 1000))
PY
[ "${GW_SENT:-0}" -gt "$N" ] &&
    echo "(the gateway run sent $GW_SENT requests, more than the $N messages: the replays among them count as errors; raise BENCH_MESSAGES)"

if [ "$MEMSECS" -gt 0 ]; then
    echo
    echo "Memory: the gateway under load for $MEMSECS s (replay-signatures off), each child's resident KiB every 10 s:"
    kids=$(pgrep -P "$APACHE_PID" | sort -n | tr '\n' ' ')
    wrk -t"$THREADS" -c"$CONNS" -d"${MEMSECS}s" -s "$WORK/post.lua" "http://127.0.0.1:$GW_PORT/mem/echo" \
        >"$WORK/mem.wrk" 2>&1 &
    WRK_PID=$!
    t=0
    : >"$WORK/rss"
    while kill -0 "$WRK_PID" 2>/dev/null; do
        line="$t"
        for k in $kids; do line="$line $(awk '/^VmRSS/ {print $2}' "/proc/$k/status" 2>/dev/null || echo 0)"; done
        echo "$line" >>"$WORK/rss"
        sleep 10; t=$((t + 10))
    done
    wait "$WRK_PID"
    grep "^RESULT" "$WORK/mem.wrk" | awk '{printf "requests %d in %.0f s (%.0f/s), errors %d\n", $2, $3, $2 / $3, $6}'
    python3 - "$WORK/rss" "$MEMSECS" "$kids" <<'PY'
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
secs, kids = int(sys.argv[2]), sys.argv[3].split()
settle = secs // 5
ok = True
print("| child | RSS at %d s (settled) | max after | last | max/settled |" % settle)
print("|---|---:|---:|---:|---:|")
for i, k in enumerate(kids, 1):
    base = next((r[i] for r in rows if r[0] >= settle), None)
    after = [r[i] for r in rows if r[0] >= settle]
    if not base or not after:
        print("| %s | no sample | | | |" % k); ok = False; continue
    ratio = max(after) / base
    ok = ok and ratio <= 1.10
    print("| %s | %d KiB | %d KiB | %d KiB | %.3f |" % (k, base, max(after), after[-1], ratio))
print("memory: %s (every child within 10%% of its settled size)" % ("PASS" if ok else "FAIL"))
PY
fi
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (this machine is shared: other work shows as spread)"
