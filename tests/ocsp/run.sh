#!/usr/bin/env bash
# OCSP against a real responder: `openssl ocsp` answers (it signs and echoes
# the nonce) behind tests/ocsp/responder.py, an HTTP server bound to
# 127.0.0.1 only (OpenSSL 3.0's `openssl ocsp -port` listens on every
# interface) that stops by itself after two minutes. The index is written
# here from the certificates: alice and ocspleaf good, bob revoked
# (2024-06-01, keyCompromise), gateway absent (unknown).
#
#   tests/ocsp/run.sh WSSEC_BINARY PROJECT_ROOT
#
# Messages are secured and verified at the real clock: the responder dates
# its answers by it. Port 39181 (the OCSP URL in samples/pki/ocspleaf.crt)
# must be free: when it is taken the run FAILS and says so. Prints "ok NAME"
# or "FAIL NAME: why" per check, then "N passed, M failed"; exits 1 on any
# failure.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 WSSEC_BINARY PROJECT_ROOT" >&2
    exit 2
fi
WSSEC_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
P=$ROOT/samples/pki
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

for tool in openssl python3 jq; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "FAIL setup: $tool is not installed; the OCSP tests are never skipped"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wssec-ocsp.XXXXXX") || exit 2
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the index: one line per certificate, as `openssl ca` writes it ----
enddate() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%y%m%d%H%M%SZ; }
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
subject() { openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/^subject=//'; }
{
    for c in alice ocspleaf; do
        printf 'V\t%s\t\t%s\tunknown\t%s\n' "$(enddate "$P/$c.crt")" "$(serial "$P/$c.crt")" \
            "$(subject "$P/$c.crt")"
    done
    printf 'R\t%s\t240601000000Z,keyCompromise\t%s\tunknown\t%s\n' "$(enddate "$P/bob.crt")" \
        "$(serial "$P/bob.crt")" "$(subject "$P/bob.crt")"
} >"$WORK/index.txt"

# responder NAME [--port N] [responder.py options] -- [openssl ocsp options]:
# starts one, waits until it listens; its URL is in $WORK/NAME.url and each
# request it answers adds a line to $WORK/NAME.count.
responder() {
    local name=$1
    shift
    : >"$WORK/$name.count"
    python3 "$HERE/responder.py" --port-file "$WORK/$name.port" --count-file "$WORK/$name.count" \
        "$@" 2>"$WORK/$name.log" &
    PIDS+=($!)
    for _ in $(seq 100); do
        [ -s "$WORK/$name.port" ] && break
        if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ ! -s "$WORK/$name.port" ]; then
        echo "FAIL setup: responder $name did not start: $(cat "$WORK/$name.log")"
        return 1
    fi
    echo "http://127.0.0.1:$(cat "$WORK/$name.port")/" >"$WORK/$name.url"
}
requests() { wc -l <"$WORK/$1.count"; }

GOOD=(-index "$WORK/index.txt" -CA "$P/inter.crt" -rsigner "$P/ocsp.crt" -rkey "$P/ocsp.key")
responder good -- "${GOOD[@]}" -nmin 5 || exit 1
responder bobkey -- -index "$WORK/index.txt" -CA "$P/inter.crt" -rsigner "$P/bob.crt" \
    -rkey "$P/bob.key" -nmin 5 || exit 1
responder slow --delay 5 -- "${GOOD[@]}" -nmin 5 || exit 1
responder garbage --garbage -- "${GOOD[@]}" -nmin 5 || exit 1
responder replay --replay -- "${GOOD[@]}" -nmin 5 || exit 1
responder nonext -- "${GOOD[@]}" || exit 1
if ! responder aia --port 39181 -- "${GOOD[@]}" -nmin 5; then
    echo "FAIL setup: port 39181 (the OCSP URL of samples/pki/ocspleaf.crt) is taken" \
        "or the responder cannot listen there; free it and run again"
    exit 1
fi
URL=$(cat "$WORK/good.url")
# a port nothing listens on: one a responder had, once it stopped
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
    >"$WORK/closed.port"
CLOSED="http://127.0.0.1:$(cat "$WORK/closed.port")/"

# ---- messages, at the real clock ----
sign() { # NAME CERT [secure options]: $WORK/NAME.xml
    local name=$1 who=$2
    shift 2
    "$WSSEC_BIN" secure --timestamp --sign-key "$P/$who.key" --sign-cert "$P/$who.crt" "$@" \
        "$ROOT/samples/hello.xml" >"$WORK/$name.xml" || bad "sign $name" "wssec secure failed"
}
for who in alice bob gateway ocspleaf; do sign "$who" "$who"; done
for i in 1 2 3 4; do sign "alice$i" alice; done

VERIFY=("$WSSEC_BIN" verify --trust "$P/root.crt" --certs "$P/inter.crt" --ocsp signer)
# check NAME EXIT REGEX [verify options and files]: exit code, and REGEX in
# the error output (or, with exit 0, in the JSON report)
check() {
    local name=$1 want=$2 re=$3
    shift 3
    "${VERIFY[@]}" --json --report "$WORK/report.json" "$@" >"$WORK/out" 2>"$WORK/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        bad "$name" "exit $got, want $want: $(head -c 600 "$WORK/err")"
    elif [ -n "$re" ] && ! grep -Eq -- "$re" "$WORK/err" "$WORK/report.json"; then
        bad "$name" "no /$re/ in: $(head -c 600 "$WORK/err") $(head -c 800 "$WORK/report.json")"
    else
        ok "$name"
    fi
}

# ---- the answers ----
check "good: accepted, the answer on the signature" 0 '"ocsp":"good \(http://127\.0\.0\.1:' \
    --ocsp-url "$URL" "$WORK/alice.xml"
check "revoked: refused with the time and the reason" 1 \
    "signer 'CN=bob,OU=Clients,O=wssec test,C=US' .* is revoked according to OCSP responder $URL: revoked on 2024-06-01T00:00:00Z \(reason keyCompromise\)" \
    --ocsp-url "$URL" "$WORK/bob.xml"
check "revoked: soft-fail does not accept it" 1 "is revoked according to OCSP responder" \
    --ocsp-url "$URL" --ocsp-soft-fail "$WORK/bob.xml"
check "unknown: refused" 1 \
    "signer 'CN=gateway,.* is unknown to OCSP responder $URL \(status unknown" \
    --ocsp-url "$URL" "$WORK/gateway.xml"
check "unreachable: refused by default" 1 \
    "cannot be checked by OCSP: no usable answer from responder $CLOSED \(no connection within ocsp-timeout 1 s" \
    --ocsp-url "$CLOSED" --ocsp-timeout 1 "$WORK/alice.xml"
check "unreachable: soft-fail accepts, with a warning" 0 \
    "no usable answer from responder .*: accepted under ocsp-soft-fail" \
    --ocsp-url "$CLOSED" --ocsp-timeout 1 --ocsp-soft-fail "$WORK/alice.xml"
if grep -q '"ocsp":"soft-fail: ' "$WORK/report.json"; then ok "soft-fail: said on the signature"
else bad "soft-fail: said on the signature" "$(head -c 800 "$WORK/report.json")"; fi
check "timeout: no answer within ocsp-timeout" 1 \
    "no usable answer from responder .* \(no answer within ocsp-timeout 1 s\)" \
    --ocsp-url "$(cat "$WORK/slow.url")" --ocsp-timeout 1 "$WORK/alice.xml"
check "not an OCSP response: refused" 1 "no usable answer from responder $(cat "$WORK/garbage.url") \(missing asn1 encoding\)" \
    --ocsp-url "$(cat "$WORK/garbage.url")" "$WORK/alice.xml"
check "not an OCSP response: soft-fail accepts" 0 "accepted under ocsp-soft-fail" \
    --ocsp-url "$(cat "$WORK/garbage.url")" --ocsp-soft-fail "$WORK/alice.xml"
LATER=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
sign alice-later alice --now "$LATER"
check "stale: nextUpdate before the message's clock" 1 \
    "the response of $URL is stale: its nextUpdate .* is before the message's clock $LATER" \
    --ocsp-url "$URL" --now "$LATER" "$WORK/alice-later.xml"
EARLIER=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
sign alice-earlier alice --now "$EARLIER"
check "not yet valid: thisUpdate after the message's clock" 1 \
    "the response of $URL is not yet valid: its thisUpdate .* is after the message's clock $EARLIER" \
    --ocsp-url "$URL" --now "$EARLIER" "$WORK/alice-earlier.xml"
check "no nextUpdate: accepted while fresh" 0 '"ocsp":"good' \
    --ocsp-url "$(cat "$WORK/nonext.url")" "$WORK/alice1.xml"
sign alice-2h alice --now "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)"
check "no nextUpdate: stale an hour after thisUpdate" 1 \
    "is stale: its thisUpdate \(it has no nextUpdate: 1 h\)" \
    --ocsp-url "$(cat "$WORK/nonext.url")" --now "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)" \
    "$WORK/alice-2h.xml"
BOBKEY=$(cat "$WORK/bobkey.url")
check "signed by the wrong key (bob, no OCSPSigning): refused" 1 \
    "the response of $BOBKEY does not verify \(.*\): signed by 'CN=bob,OU=Clients,O=wssec test,C=US', neither the issuer 'CN=wssec Test Issuing CA,O=wssec test,C=US' nor a responder it certified for OCSPSigning nor an ocsp-responder-cert" \
    --ocsp-url "$BOBKEY" "$WORK/alice.xml"
check "signed by the wrong key: soft-fail does not accept it" 1 "does not verify" \
    --ocsp-url "$BOBKEY" --ocsp-soft-fail "$WORK/alice.xml"
check "ocsp-responder-cert: a responder trusted directly" 0 '"ocsp":"good' \
    --ocsp-url "$BOBKEY" --ocsp-responder-cert "$P/bob.crt" "$WORK/alice.xml"

# ---- the responder the certificate names (authorityInfoAccess) ----
check "AIA: the certificate's own responder" 0 '"ocsp":"good \(http://127\.0\.0\.1:39181/\)' \
    "$WORK/ocspleaf.xml"
check "AIA: none, and no ocsp-url" 1 \
    "cannot be checked by OCSP: it names no OCSP responder \(authorityInfoAccess\) and ocsp-url is not set" \
    "$WORK/alice.xml"
check "AIA: ocsp-url overrides it" 0 "\"ocsp\":\"good \\($URL\\)" --ocsp-url "$URL" \
    "$WORK/ocspleaf.xml"

# ---- the cache: two messages in one process, one query ----
before=$(requests good)
check "cache: two messages, both accepted" 0 "" --ocsp-url "$URL" "$WORK/alice1.xml" \
    "$WORK/alice2.xml"
n=$(($(requests good) - before))
if [ "$n" = 1 ]; then ok "cache: the second message asked nothing"
else bad "cache: the second message asked nothing" "$n requests for two messages"; fi
if grep -q '"ocsp":"good (.*, cached)' "$WORK/report.json"; then ok "cache: said on the signature"
else bad "cache: said on the signature" "$(head -c 600 "$WORK/report.json")"; fi
before=$(requests good)
check "cache off: two messages" 0 "" --ocsp-url "$URL" --ocsp-cache-size 0 "$WORK/alice1.xml" \
    "$WORK/alice2.xml"
n=$(($(requests good) - before))
if [ "$n" = 2 ]; then ok "cache off: two queries"; else bad "cache off: two queries" "$n requests"; fi

# ---- the nonce: a replayed response (another request's nonce) ----
REPLAY=$(cat "$WORK/replay.url")
check "nonce: the first answer" 0 "" --ocsp-url "$REPLAY" --ocsp-cache-size 0 "$WORK/alice3.xml"
check "nonce: a replayed answer is refused" 1 \
    "the response of $REPLAY carries another nonce than the request's" \
    --ocsp-url "$REPLAY" --ocsp-cache-size 0 "$WORK/alice4.xml"
check "nonce: without ocsp-nonce the replayed answer holds (within its validity)" 0 '"ocsp":"good' \
    --ocsp-url "$REPLAY" --no-ocsp-nonce "$WORK/alice4.xml"

# ---- no query for what is not authenticated ----
before=$(requests good)
sed -E 's|<ds:SignatureValue>A|<ds:SignatureValue>B|; t; s|<ds:SignatureValue>.|<ds:SignatureValue>A|' "$WORK/alice.xml" >"$WORK/forged.xml"
check "forged SignatureValue: refused, no query" 1 "SignatureValue does not verify" --ocsp-url "$URL" \
    "$WORK/forged.xml"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/self.key" -out "$WORK/self.crt" \
    -days 30 -subj "/CN=self" -addext "basicConstraints=critical,CA:FALSE" \
    -addext "authorityInfoAccess=OCSP;URI:$URL" 2>/dev/null
"$WSSEC_BIN" secure --timestamp --sign-key "$WORK/self.key" --sign-cert "$WORK/self.crt" \
    "$ROOT/samples/hello.xml" >"$WORK/self.xml"
check "untrusted certificate naming our responder: refused, no query" 1 "is self-signed" \
    "$WORK/self.xml"
n=$(($(requests good) - before))
if [ "$n" = 0 ]; then ok "no query for a forgery or an untrusted certificate"
else bad "no query for a forgery or an untrusted certificate" "$n requests"; fi

# ---- the chain: the intermediate too ----
check "chain: the intermediate is checked too" 1 \
    "signer chain: intermediate 'CN=wssec Test Issuing CA,O=wssec test,C=US' .*at chain position 1 \(0 is the signer\), cannot be checked by OCSP" \
    --ocsp chain --ocsp-url "$URL" "$WORK/alice.xml"

# ---- settings ----
check "https ocsp-url: refused, said clearly" 2 "is an https:// URL: only http:// responders" \
    --ocsp-url "https://127.0.0.1/" "$WORK/alice.xml"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
