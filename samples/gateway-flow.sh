#!/usr/bin/env bash
# The gateway flow of identity assertion, end to end, with the test PKI:
#
#   client ──(its signature, UsernameToken or LTPA token)──▶ front gateway
#     `wssec verify` authenticates the client and reports the caller;
#     `wssec secure --strip-security --assert-user/--assert-dn` re-secures
#     the message for the back end with the gateway's own proof;
#   front gateway ──(asserted identity + its signature or password)──▶ back end
#     `wssec verify --trusted-upstream` trusts the gateway as an upstream and
#     reports the original user as the caller.
#
# Then what must fail, fails: a gateway whose DN is not trusted, an asserted
# identity the gateway's signature does not cover, a replayed assertion.
#
#   samples/gateway-flow.sh [WSSEC_BINARY [WORK_DIR]]
#
# WSSEC_BINARY defaults to build/wssec; the LTPA token module (ltpa_token.so) is
# expected beside it. WORK_DIR (default: a temporary directory, removed
# afterwards) keeps every message and report. Exits 0 when every step gave
# what it should, 1 otherwise. Run from anywhere.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WSSEC=${1:-$ROOT/build/wssec}
[ -x "$WSSEC" ] || { echo "gateway-flow: $WSSEC is not an executable (build first)" >&2; exit 2; }
WSSEC=$(cd "$(dirname "$WSSEC")" && pwd)/$(basename "$WSSEC")
PLUGIN=$(dirname "$WSSEC")/ltpa_token.so
if [ $# -ge 2 ]; then
    WORK=$2
    rm -rf "$WORK" && mkdir -p "$WORK" || exit 2
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/wssec-gateway.XXXXXX") || exit 2
    trap 'rm -rf "$WORK"' EXIT
fi
cd "$ROOT" || exit 2

PKI=samples/pki
GW_DN="CN=gateway,OU=Gateways,O=wssec test,C=US"
ALICE_DN="CN=alice,OU=Clients,O=wssec test,C=US"
SERVER_DN="CN=server,OU=Services,O=wssec test,C=US"
TRUST=(--trust "$PKI/root.crt" --certs "$PKI/inter.crt")
GATEWAY_KEY=(--sign-key "$PKI/gateway.key" --sign-cert "$PKI/gateway.crt")
# the clock of each hop, so the run gives the same answers every time
T_CLIENT=2025-06-01T12:00:00Z T_GATEWAY=2025-06-01T12:00:01Z T_BACKEND=2025-06-01T12:00:02Z

failed=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; failed=1; }

# field FILE NAME [LINE]: a string field of a JSON report line ("" for null)
field() {
    local line=${3:-1}
    if command -v jq >/dev/null 2>&1; then
        sed -n "${line}p" "$1" | jq -r --arg k "$2" '.[$k] // ""'
    else
        python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[3]) - 1])
v = r.get(sys.argv[2]); print("" if v is None else v)' "$1" "$2" "$line"
    fi
}

# expect_field STEP FILE NAME VALUE [LINE]
expect_field() {
    local got
    got=$(field "$2" "$3" "${5:-1}")
    if [ "$got" = "$4" ]; then ok "$1: $3 = $4"; else bad "$1: $3 = '$got', expected '$4'"; fi
}

# run STEP EXPECTED_EXIT wssec-args...: runs wssec, checks its exit code
run() {
    local step=$1 want=$2
    shift 2
    "$WSSEC" "$@" 2>"$WORK/stderr"
    local got=$?
    if [ "$got" != "$want" ]; then
        bad "$step: exit $got, expected $want"
        sed 's/^/     | /' "$WORK/stderr"
        return 1
    fi
    return 0
}

# ---- 1. a client that signs (X.509) → the gateway asserts its DN ----------
echo "== 1. client signs; the gateway asserts the client's DN (trust-mode signature)"
run "client secure" 0 secure --now "$T_CLIENT" --timestamp --sign-key "$PKI/alice.key" \
    --sign-cert "$PKI/alice.crt" samples/hello.xml -o "$WORK/1-client.xml"
run "gateway verify" 0 verify --now "$T_GATEWAY" "${TRUST[@]}" --json \
    --report "$WORK/1-gateway.json" -o "$WORK/1-verified.xml" "$WORK/1-client.xml"
caller=$(field "$WORK/1-gateway.json" caller)
[ "$caller" = "$ALICE_DN" ] && ok "gateway: caller = $caller" || bad "gateway: caller = '$caller'"
# credentials are not propagated downstream: the client's header goes
run "gateway secure" 0 secure --now "$T_GATEWAY" --strip-security --timestamp \
    --assert-dn "$caller" "${GATEWAY_KEY[@]}" "$WORK/1-verified.xml" -o "$WORK/1-backend.xml"
n=$(grep -o '</wsse:Security>' "$WORK/1-backend.xml" | wc -l)
[ "$n" = 1 ] && ok "gateway: one Security header (the client's was removed)" ||
    bad "gateway: $n Security headers"
run "back end verify" 0 verify --now "$T_BACKEND" "${TRUST[@]}" --trusted-upstream "$GW_DN" \
    --json --report "$WORK/1-backend.json" "$WORK/1-backend.xml" >/dev/null
expect_field "back end" "$WORK/1-backend.json" caller "$ALICE_DN"
expect_field "back end" "$WORK/1-backend.json" asserted_by "$GW_DN"
expect_field "back end" "$WORK/1-backend.json" assertion_proof signature

# ---- 2. a client with a UsernameToken → the gateway asserts the user -------
echo "== 2. client sends a UsernameToken; the gateway asserts the user (trust-mode signature)"
run "client secure" 0 secure --now "$T_CLIENT" --timestamp --username alice \
    --password-file samples/alice.pw samples/hello.xml -o "$WORK/2-client.xml"
run "gateway verify" 0 verify --now "$T_GATEWAY" --users samples/users \
    --require timestamp,username-token --json --report "$WORK/2-gateway.json" \
    -o "$WORK/2-verified.xml" "$WORK/2-client.xml"
caller=$(field "$WORK/2-gateway.json" caller)
run "gateway secure" 0 secure --now "$T_GATEWAY" --strip-security --timestamp \
    --assert-user "$caller" "${GATEWAY_KEY[@]}" "$WORK/2-verified.xml" -o "$WORK/2-backend.xml"
grep -q 'alice-s3cret\|#PasswordDigest' "$WORK/2-backend.xml" &&
    bad "gateway: the client's password went downstream" ||
    ok "gateway: no client credential in the back-end message"
run "back end verify" 0 verify --now "$T_BACKEND" "${TRUST[@]}" --trusted-upstream "$GW_DN" \
    --json --report "$WORK/2-backend.json" "$WORK/2-backend.xml" >/dev/null
expect_field "back end" "$WORK/2-backend.json" caller alice
expect_field "back end" "$WORK/2-backend.json" asserted_by "$GW_DN"

# ---- 3. the same with the gateway's password (trust-mode basic) ------------
echo "== 3. the gateway proves itself with its own UsernameToken (trust-mode basic)"
run "gateway secure" 0 secure --now "$T_GATEWAY" --strip-security --timestamp \
    --username gateway --password-file samples/gateway/gateway.pw --assert-user "$caller" \
    "$WORK/2-verified.xml" -o "$WORK/3-backend.xml"
run "back end verify" 0 verify --now "$T_BACKEND" --trust-mode basic --trusted-upstream gateway \
    --users samples/gateway/backend-users --require timestamp,username-token \
    --json --report "$WORK/3-backend.json" "$WORK/3-backend.xml" >/dev/null
expect_field "back end" "$WORK/3-backend.json" caller alice
expect_field "back end" "$WORK/3-backend.json" asserted_by gateway
expect_field "back end" "$WORK/3-backend.json" assertion_proof password

# ---- 4. an LTPA token (LtpaToken2) from the LTPA token module -------------
echo "== 4. client sends an LTPA token (LTPA token module); the gateway asserts its user"
if [ -f "$PLUGIN" ]; then
    LTPA="$PLUGIN::key-file=samples/ltpa/ltpa.keys,password-file=samples/ltpa/ltpa.pw"
    run "client secure" 0 secure --now "$T_CLIENT" --plugin "$LTPA,user=carol,ttl=600" \
        --actions timestamp,ltpa-token samples/hello.xml -o "$WORK/4-client.xml"
    run "gateway verify" 0 verify --now "$T_GATEWAY" --plugin "$LTPA" --require timestamp \
        --json --report "$WORK/4-gateway.json" -o "$WORK/4-verified.xml" "$WORK/4-client.xml"
    caller=$(field "$WORK/4-gateway.json" caller)
    [ "$caller" = carol ] && ok "gateway: caller = carol (LTPA token)" || bad "gateway: caller = '$caller'"
    run "gateway secure" 0 secure --now "$T_GATEWAY" --strip-security --timestamp \
        --assert-user "$caller" "${GATEWAY_KEY[@]}" "$WORK/4-verified.xml" -o "$WORK/4-backend.xml"
    run "back end verify" 0 verify --now "$T_BACKEND" "${TRUST[@]}" --trusted-upstream "$GW_DN" \
        --json --report "$WORK/4-backend.json" "$WORK/4-backend.xml" >/dev/null
    expect_field "back end" "$WORK/4-backend.json" caller carol
else
    bad "the LTPA token module $PLUGIN was not built"
fi

# ---- 5. what must be refused ----------------------------------------------
echo "== 5. refused: an untrusted gateway, an unsigned assertion, a replay"
run "untrusted gateway secure" 0 secure --now "$T_GATEWAY" --strip-security --timestamp \
    --assert-user alice --sign-key "$PKI/server.key" --sign-cert "$PKI/server.crt" \
    "$WORK/2-verified.xml" -o "$WORK/5-untrusted.xml"
if run "back end refuses the untrusted gateway" 1 verify --now "$T_BACKEND" "${TRUST[@]}" \
    --trusted-upstream "$GW_DN" --json --report "$WORK/5-untrusted.json" "$WORK/5-untrusted.xml"; then
    expect_field "untrusted gateway" "$WORK/5-untrusted.json" fault wsse:FailedAuthentication
    grep -q "upstream '$SERVER_DN' (proven by signature) is not trusted" "$WORK/stderr" &&
        ok "untrusted gateway: the reason names $SERVER_DN" || bad "untrusted gateway: reason"
fi
run "unsigned assertion secure" 0 secure --now "$T_GATEWAY" --strip-security --timestamp \
    --assert-user admin "${GATEWAY_KEY[@]}" --sign-part body --sign-part timestamp \
    "$WORK/2-verified.xml" -o "$WORK/5-unsigned.xml"
if run "back end refuses the unsigned assertion" 1 verify --now "$T_BACKEND" "${TRUST[@]}" \
    --trusted-upstream "$GW_DN" --json --report "$WORK/5-unsigned.json" "$WORK/5-unsigned.xml"; then
    expect_field "unsigned assertion" "$WORK/5-unsigned.json" fault wsse:InvalidSecurity
    expect_field "unsigned assertion" "$WORK/5-unsigned.json" code WSSEC_EUNSIGNED
fi
# one back end, the same message twice: the second is a replay
if run "back end refuses the replay" 1 verify --now "$T_BACKEND" "${TRUST[@]}" \
    --trusted-upstream "$GW_DN" --json --report "$WORK/5-replay.json" \
    "$WORK/1-backend.xml" "$WORK/1-backend.xml"; then
    expect_field "replay, first" "$WORK/5-replay.json" caller "$ALICE_DN" 1
    expect_field "replay, second" "$WORK/5-replay.json" code WSSEC_EREPLAY 2
fi

if [ "$failed" -ne 0 ]; then
    echo "gateway-flow: FAILED (messages and reports in $WORK)"
    exit 1
fi
echo "gateway-flow: all steps gave what they should"
