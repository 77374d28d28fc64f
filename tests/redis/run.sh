#!/usr/bin/env bash
# The Redis replay cache against real servers: starts two redis-server
# instances with no persistence (one on a free loopback TCP port, one on a
# Unix socket with a password), runs the cmocka test of the back end, then
# wssec(1) cases: concurrent verifiers, two gateways of one cluster, expiry,
# Redis stopped and restarted during a run, passwords, databases, URL errors.
#
#   tests/redis/run.sh WSSEC_BINARY TEST_REDIS_BINARY PROJECT_ROOT
#
# WSSEC_VALGRIND=1 runs every wssec (and the unit test) under valgrind
# (memcheck, exit 97 on an error or a definite leak). WSSEC_REDIS_TRIALS sets
# the number of concurrent-verifier trials (default 50).
#
# Nothing is skipped: without redis-server the run FAILS. Prints "ok NAME" or
# "FAIL NAME: why" per check, then "N passed, M failed"; exits 1 on any failure.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 WSSEC_BINARY TEST_REDIS_BINARY PROJECT_ROOT" >&2
    exit 2
fi
WSSEC_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
UNIT_BIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
ROOT=$(cd "$3" && pwd)
TRIALS=${WSSEC_REDIS_TRIALS:-50}
for b in "$WSSEC_BIN" "$UNIT_BIN"; do
    if [ ! -x "$b" ]; then
        echo "$0: $b is not an executable" >&2
        exit 2
    fi
done

passed=0
failed=0
ok() {
    echo "ok $1"
    passed=$((passed + 1))
}
bad() {
    echo "FAIL $1: $2"
    failed=$((failed + 1))
}

for tool in redis-server redis-cli jq; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "FAIL setup: $tool is not installed (scripts/install-deps.sh installs it);" \
            "the Redis tests are never skipped"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

VALGRIND=()
WAIT_LIMIT=30
if [ "${WSSEC_VALGRIND:-0}" = 1 ]; then
    VALGRIND=(valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite)
    WAIT_LIMIT=300
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wssec-redis.XXXXXX") || exit 2
TCP_PID=""
UNIX_PID=""
cleanup() {
    local p
    for p in $TCP_PID $UNIX_PID; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SOCK=$WORK/redis.sock
UNIX_PW=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$UNIX_PW" >"$WORK/unix.pw"
chmod 600 "$WORK/unix.pw"
# the password goes in a configuration file, not in redis-server's argv
printf 'port 0\nunixsocket %s\nunixsocketperm 700\nrequirepass %s\nsave ""\nappendonly no\n' \
    "$SOCK" "$UNIX_PW" >"$WORK/unix.conf"

# Waits until redis-cli ARGS... answers PONG; fails if PID died first.
wait_pong() {
    local pid=$1 i
    shift
    for i in $(seq 1 100); do
        [ "$(redis-cli "$@" ping 2>/dev/null)" = PONG ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# Starts the TCP server on PORT (or a free port when empty); sets TCP_PID, PORT.
start_tcp() {
    local want=${1:-} try p
    for try in $(seq 1 20); do
        p=${want:-$((20000 + RANDOM % 40000))}
        redis-server --save '' --appendonly no --port "$p" --bind 127.0.0.1 --dir "$WORK" \
            --logfile "$WORK/redis-tcp.log" &
        TCP_PID=$!
        if wait_pong "$TCP_PID" -p "$p"; then
            PORT=$p
            return 0
        fi
        kill "$TCP_PID" 2>/dev/null
        wait "$TCP_PID" 2>/dev/null
        TCP_PID=""
        [ -n "$want" ] && sleep 0.2
    done
    return 1
}

stop_tcp() {
    kill "$TCP_PID" && wait "$TCP_PID" 2>/dev/null
    TCP_PID=""
}

if ! start_tcp; then
    echo "FAIL setup: redis-server did not start on a loopback port"
    cat "$WORK/redis-tcp.log" 2>/dev/null
    echo "0 passed, 1 failed"
    exit 1
fi
redis-server "$WORK/unix.conf" --dir "$WORK" --logfile "$WORK/redis-unix.log" &
UNIX_PID=$!
if ! wait_pong "$UNIX_PID" -s "$SOCK" --no-auth-warning -a "$UNIX_PW"; then
    echo "FAIL setup: redis-server did not start on $SOCK"
    echo "0 passed, 1 failed"
    exit 1
fi
URL=redis://127.0.0.1:$PORT/0
echo "# redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'): $URL and unix://$SOCK (pids $TCP_PID $UNIX_PID)"

rcli() { redis-cli -p "$PORT" "$@"; }

# ---- the cmocka test of the back end ----

unit_out=$WORK/unit.out
(cd "$ROOT" && WSSEC_TEST_REDIS_PORT=$PORT WSSEC_TEST_REDIS_SOCK=$SOCK \
    WSSEC_TEST_REDIS_PASSWORD=$UNIX_PW "${VALGRIND[@]}" "$UNIT_BIN") >"$unit_out" 2>&1
st=$?
if [ "$st" = 0 ]; then
    ok "unit: $(grep -c '^\[       OK \]' "$unit_out") cmocka tests of the back end"
else
    bad unit "test_redis exited $st"
    sed 's/^/    | /' "$unit_out"
fi

# ---- wssec(1) ----

NOW=2025-06-01T12:00:00Z
VERIFY=(verify --users samples/users --require timestamp,username-token)

# A fresh message (fresh nonce) secured at time T (default $NOW) into FILE.
secure() {
    (cd "$ROOT" && "$WSSEC_BIN" secure --now "${2:-$NOW}" --timestamp --username alice \
        --password-file samples/alice.pw samples/hello.xml) >"$1"
}

# Runs wssec with ARGS; stdout to $WORK/out, stderr to $WORK/err; sets ST.
run() {
    (cd "$ROOT" && "${VALGRIND[@]}" "$WSSEC_BIN" "$@") >"$WORK/out" 2>"$WORK/err"
    ST=$?
}

# field FILE LINE EXPR: a jq expression on line LINE of a JSON-lines report
field() { sed -n "${2}p" "$1" | jq -r "$3"; }

# Checks the last run: expect NAME EXIT [CODE] (CODE: the report's "code", null when accepted).
expect() {
    local name=$1 want=$2 code=${3:-} why=()
    [ "$ST" = 97 ] && [ ${#VALGRIND[@]} -gt 0 ] && why+=("valgrind reported errors")
    [ "$ST" = "$want" ] || why+=("exit $ST, expected $want")
    if [ -n "$code" ]; then
        local got
        got=$(field "$WORK/out" 1 '.code')
        [ "$got" = "$code" ] || why+=("code $got, expected $code")
    fi
    if [ ${#why[@]} -eq 0 ]; then
        ok "$name"
        return 0
    fi
    bad "$name" "${why[*]}"
    sed 's/^/    | /' "$WORK/err"
    return 1
}

# not_in TEXT FILE...: TEXT occurs in none of the files.
not_in() {
    local t=$1
    shift
    ! grep -qF -- "$t" "$@"
}

# check NAME WHY-IF-FAILED CONDITION...: ok when the command succeeds.
check() {
    local name=$1 why=$2
    shift 2
    if "$@"; then ok "$name"; else bad "$name" "$why"; fi
}

# 1. Two verifiers, one message, the same moment: exactly one accepts.
# Each process blocks opening its FIFO until both are written at once, so
# they reach Redis together (after start-up, not staggered by it).
race_ok=0
race_detail=""
for t in $(seq 1 "$TRIALS"); do
    d=$WORK/race$t
    mkdir "$d"
    secure "$d/msg.xml"
    mkfifo "$d/a.xml" "$d/b.xml"
    (cd "$ROOT" && exec "${VALGRIND[@]}" "$WSSEC_BIN" "${VERIFY[@]}" --now 2025-06-01T12:01:00Z \
        --replay-cache "$URL" --json "$d/a.xml" >"$d/a.json" 2>"$d/a.err") &
    pa=$!
    (cd "$ROOT" && exec "${VALGRIND[@]}" "$WSSEC_BIN" "${VERIFY[@]}" --now 2025-06-01T12:01:00Z \
        --replay-cache "$URL" --json "$d/b.xml" >"$d/b.json" 2>"$d/b.err") &
    pb=$!
    timeout "$WAIT_LIMIT" cp "$d/msg.xml" "$d/a.xml" &
    wa=$!
    timeout "$WAIT_LIMIT" cp "$d/msg.xml" "$d/b.xml" &
    wb=$!
    wait "$wa" "$wb"
    wait "$pa"
    sa=$?
    wait "$pb"
    sb=$?
    ca=$(jq -r .code "$d/a.json" 2>/dev/null)
    cb=$(jq -r .code "$d/b.json" 2>/dev/null)
    outcome=$(printf '%s\n' "$sa:$ca" "$sb:$cb" | sort | tr '\n' ' ')
    if [ "$outcome" = "0:null 1:WSSEC_EREPLAY " ]; then
        race_ok=$((race_ok + 1))
    else
        race_detail="$race_detail [trial $t: $outcome]"
        sed 's/^/    | /' "$d/a.err" "$d/b.err"
    fi
    rm -rf "$d"
done
if [ "$race_ok" = "$TRIALS" ]; then
    ok "race: $TRIALS trials of two concurrent verifiers, exactly one accepted each time"
else
    bad race "$race_ok of $TRIALS trials had exactly one acceptance:$race_detail"
fi

# 2. Two gateways of a cluster: one configured by file, one by the command line.
secure "$WORK/cluster.xml"
printf '<wssec xmlns="urn:wssec:config:1">\n  <replay-cache>%s</replay-cache>\n  <redis-connect-timeout-ms>500</redis-connect-timeout-ms>\n  <redis-command-timeout-ms>500</redis-command-timeout-ms>\n  <redis-pool-size>2</redis-pool-size>\n</wssec>\n' \
    "$URL" >"$WORK/gw-a.conf.xml"
run "${VERIFY[@]}" -c "$WORK/gw-a.conf.xml" --now 2025-06-01T12:01:00Z --json "$WORK/cluster.xml"
expect "cluster: gateway A (configuration file) accepts" 0 null
rc_name=$(field "$WORK/out" 1 .replay_cache)
check "cluster: report names $URL" "replay_cache is $rc_name" [ "$rc_name" = "$URL" ]
run "${VERIFY[@]}" --replay-cache "$URL" --now 2025-06-01T12:01:30Z --json "$WORK/cluster.xml"
expect "cluster: gateway B rejects the nonce A accepted" 1 WSSEC_EREPLAY
f=$(field "$WORK/out" 1 .fault)
check "cluster: the replay's fault is wsse:FailedAuthentication" "$f" [ "$f" = wsse:FailedAuthentication ]
run "${VERIFY[@]}" --replay-cache memory --now 2025-06-01T12:01:30Z --json "$WORK/cluster.xml"
expect "cluster: control, a gateway with a memory cache of its own accepts it" 0 null
rc_name=$(field "$WORK/out" 1 .replay_cache)
check "cluster: report says memory" "$rc_name" [ "$rc_name" = memory ]

# 3. Expiry: the entry lives until Created + max-age + clock-skew.
rcli flushdb >/dev/null
secure "$WORK/exp1.xml"
run "${VERIFY[@]}" --replay-cache "$URL" --max-age 60 --clock-skew 0 --now 2025-06-01T12:00:30Z \
    --json "$WORK/exp1.xml"
expect "expiry: accepted at Created+30s (window 60 s)" 0 null
keys=$(rcli --scan --pattern '*')
ttl_ms=$(rcli pttl "$keys")
if [[ $keys =~ ^wssec:rp:[0-9a-f]{64}$ ]] && [ "$ttl_ms" -gt 29000 ] && [ "$ttl_ms" -le 30000 ]; then
    ok "expiry: one key, $keys, PTTL $ttl_ms ms (window end - now = 30000)"
else
    bad "expiry: PTTL" "keys [$keys], PTTL $ttl_ms (expected one wssec:rp:<64 hex>, PTTL in (29000, 30000])"
fi
run "${VERIFY[@]}" --replay-cache "$URL" --max-age 60 --clock-skew 0 \
    --now 2025-06-01T12:00:59.999Z --json "$WORK/exp1.xml"
expect "expiry: replayed 1 ms before the window ends: rejected" 1 WSSEC_EREPLAY
secure "$WORK/exp2.xml"
run "${VERIFY[@]}" --replay-cache "$URL" --max-age 60 --clock-skew 0 \
    --now 2025-06-01T12:00:59.999Z --json "$WORK/exp2.xml"
expect "expiry: accepted 1 ms before its window ends (PX 1)" 0 null
run "${VERIFY[@]}" --replay-cache "$URL" --max-age 60 --clock-skew 0 \
    --now 2025-06-01T12:01:00Z --json "$WORK/exp2.xml"
expect "expiry: the same nonce at the end of its window: accepted again" 0 null
run "${VERIFY[@]}" --replay-cache "$URL" --max-age 60 --clock-skew 0 \
    --now 2025-06-01T12:01:00.001Z --json "$WORK/exp2.xml"
expect "expiry: 1 ms later the message itself is too old" 1 WSSEC_EEXPIRED

# 4. Redis stopped during a run, then restarted: one process, seven inputs.
# p1.xml and p2.xml are FIFOs: the run blocks on them while the script stops
# and restarts the server.
D=$WORK/outage
mkdir -p "$D/out"
for m in m1 m2 m3 m4 m5 m6 m7; do secure "$D/$m.xml"; done
mkfifo "$D/p1.xml" "$D/p2.xml"
(cd "$ROOT" && exec "${VALGRIND[@]}" "$WSSEC_BIN" "${VERIFY[@]}" --now 2025-06-01T12:01:00Z \
    --replay-cache "$URL" --redis-command-timeout-ms 500 --redis-connect-timeout-ms 500 --json \
    --output-dir "$D/out" "$D/m1.xml" "$D/p1.xml" "$D/m3.xml" "$D/m4.xml" "$D/p2.xml" \
    "$D/m6.xml" "$D/m7.xml" >"$D/report" 2>"$D/err") &
RUN_PID=$!
# Waits until the report has N lines (the run reports each input as it goes).
wait_lines() {
    local n=$1 i
    for i in $(seq 1 $((WAIT_LIMIT * 20))); do
        [ "$(wc -l <"$D/report")" -ge "$n" ] && return 0
        kill -0 "$RUN_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
outage_ok=1
wait_lines 1 || { outage_ok=0; bad outage "the run did not report m1"; }
stop_tcp
# a separate process while Redis is down: connection refused, exit 4
secure "$WORK/down.xml"
run "${VERIFY[@]}" --replay-cache "$URL" --now 2025-06-01T12:01:00Z --json "$WORK/down.xml"
expect "outage: a new process while Redis is down: exit 4" 4 WSSEC_EBACKEND
reason=$(field "$WORK/out" 1 .reason)
check "outage: the reason names the endpoint ($reason)" "$reason" \
    [ "$reason" = "replay cache $URL unavailable: 127.0.0.1:$PORT: connect: Connection refused" ]
timeout "$WAIT_LIMIT" cp "$D/m2.xml" "$D/p1.xml"
[ "$outage_ok" = 1 ] && { wait_lines 4 || { outage_ok=0; bad outage "the run did not report m2-m4"; }; }
if start_tcp "$PORT"; then
    ok "outage: redis-server restarted on port $PORT"
else
    bad outage "redis-server did not restart on port $PORT"
fi
timeout "$WAIT_LIMIT" cp "$D/m5.xml" "$D/p2.xml"
wait "$RUN_PID"
ST=$?
lines=$(wc -l <"$D/report")
check "outage: the run exits 4 with 7 reports" "exit $ST with $lines reports" \
    [ "$ST-$lines" = 4-7 ]
got=$(jq -r '"\(.exit):\(.code):\(.fault)"' "$D/report" | tr '\n' ' ')
want="0:null:null 4:WSSEC_EBACKEND:soap:Server 4:WSSEC_EBACKEND:soap:Server 4:WSSEC_EBACKEND:soap:Server 0:null:null 0:null:null 0:null:null "
check "outage: accepted, refused while down (nothing accepted), accepted after the restart" \
    "got [$got]" [ "$got" = "$want" ]
n_named=$(jq -r .reason "$D/report" | grep -c "unavailable: 127.0.0.1:$PORT: ")
check "outage: each refusal names 127.0.0.1:$PORT" "$(jq -r .reason "$D/report" | tr '\n' '|')" \
    [ "$n_named" = 3 ]
have=$(cd "$D/out" && ls | sort | tr '\n' ' ')
check "outage: only the accepted messages were written" "$have" \
    [ "$have" = "m1.xml m6.xml m7.xml p2.xml " ]
# the refused messages left nothing behind: they are accepted now
run "${VERIFY[@]}" --replay-cache "$URL" --now 2025-06-01T12:01:00Z --json "$D/m2.xml" "$D/m3.xml" "$D/m4.xml"
codes=$(jq -r .code "$WORK/out" | tr '\n' ' ')
check "outage: the refused messages were not recorded (accepted after the restart)" \
    "exit $ST: $codes" [ "$ST:$codes" = "0:null null null " ]

# 5. Passwords and Unix sockets.
secure "$WORK/pw1.xml"
run "${VERIFY[@]}" --replay-cache "unix://$SOCK?db=2" --redis-password-file "$WORK/unix.pw" \
    --now 2025-06-01T12:01:00Z --json "$WORK/pw1.xml"
expect "auth: unix socket, password from a file" 0 null
rc_name=$(field "$WORK/out" 1 .replay_cache)
check "auth: report names unix://$SOCK?db=2" "$rc_name" [ "$rc_name" = "unix://$SOCK?db=2" ]
n=$(redis-cli -s "$SOCK" --no-auth-warning -a "$UNIX_PW" -n 2 --scan --pattern 'wssec:rp:*' | wc -l)
check "auth: the entry is in database 2" "$n keys" [ "$n" = 1 ]
export WSSEC_TEST_RPW=$UNIX_PW
run "${VERIFY[@]}" --replay-cache "unix://$SOCK?db=2" --redis-password-env WSSEC_TEST_RPW \
    --now 2025-06-01T12:01:00Z --json "$WORK/pw1.xml"
unset WSSEC_TEST_RPW
expect "auth: password from the environment, the replay is caught" 1 WSSEC_EREPLAY
secure "$WORK/pw2.xml"
run "${VERIFY[@]}" --replay-cache "unix://$SOCK" --now 2025-06-01T12:01:00Z --json "$WORK/pw2.xml"
expect "auth: no password: refused" 4 WSSEC_EBACKEND
reason=$(field "$WORK/out" 1 .reason)
check "auth: reason names the socket and NOAUTH" "$reason" \
    [ "$reason" = "replay cache unix://$SOCK?db=0 unavailable: $SOCK: SET: NOAUTH Authentication required." ]
printf 'wrong-%s\n' "$UNIX_PW" >"$WORK/wrong.pw"
run "${VERIFY[@]}" --replay-cache "unix://$SOCK" --redis-password-file "$WORK/wrong.pw" \
    --now 2025-06-01T12:01:00Z --json "$WORK/pw2.xml"
expect "auth: wrong password: refused" 4 WSSEC_EBACKEND
reason=$(field "$WORK/out" 1 .reason)
check "auth: reason is WRONGPASS" "$reason" [ "${reason#*"$SOCK: AUTH: "}" != "$reason" ]
check "auth: no password in the report or on stderr" "a password appears" \
    not_in "$UNIX_PW" "$WORK/out" "$WORK/err"
run "${VERIFY[@]}" --replay-cache "redis://:$UNIX_PW@127.0.0.1:$PORT/0" --json "$WORK/pw2.xml"
expect "auth: a password in a command-line URL is a usage error" 2
check "auth: ... saying why, without the password" "$(cat "$WORK/err")" \
    eval 'grep -q "never given on the command line" "$WORK/err" && not_in "$UNIX_PW" "$WORK/err"'
# an ACL user with only what the cache needs, named in a configuration file URL
rcli ACL SETUSER wssec-gw on '>gw-pass-42' '~wssec:rp:*' +set +get +auth +select >/dev/null
printf '<wssec xmlns="urn:wssec:config:1"><replay-cache>redis://wssec-gw:gw-pass-42@127.0.0.1:%s/0</replay-cache></wssec>\n' \
    "$PORT" >"$WORK/acl.conf.xml"
run "${VERIFY[@]}" -c "$WORK/acl.conf.xml" --now 2025-06-01T12:01:00Z --json "$WORK/pw2.xml"
expect "auth: ACL user from a configuration file URL" 0 null
rc_name=$(field "$WORK/out" 1 .replay_cache)
check "auth: report names $URL, without the password" "$(cat "$WORK/out")" \
    eval '[ "$rc_name" = "$URL" ] && not_in gw-pass-42 "$WORK/out" "$WORK/err"'
run "${VERIFY[@]}" -c "$WORK/acl.conf.xml" --redis-password-file "$WORK/unix.pw" "$WORK/pw2.xml"
expect "auth: a password in the URL and in a file" 2
check "auth: ... is refused as given twice" "$(cat "$WORK/err")" grep -q "given twice" "$WORK/err"

# 6. URLs the configuration refuses (exit 2), and a missing password file.
while IFS='|' read -r name value needle; do
    run "${VERIFY[@]}" --replay-cache "$value" "$WORK/pw2.xml"
    check "config: $name" "exit $ST: $(cat "$WORK/err")" \
        eval '[ "$ST" = 2 ] && grep -q -- "$needle" "$WORK/err"'
done <<EOF
rediss:// is refused (no TLS in hiredis 0.14)|rediss://127.0.0.1:$PORT/0|TLS
unknown scheme|memcache://127.0.0.1|not a known cache
bad port|redis://127.0.0.1:70000/0|port
bad database|redis://127.0.0.1:$PORT/x|database number
relative socket path|unix://redis.sock|absolute
EOF
run "${VERIFY[@]}" --replay-cache "$URL" --redis-password-file "$WORK/nonexistent.pw" "$WORK/pw2.xml"
check "config: missing password file: exit 2" "exit $ST: $(cat "$WORK/err")" \
    eval '[ "$ST" = 2 ] && grep -q "redis-password-file $WORK/nonexistent.pw: cannot be opened" "$WORK/err"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
