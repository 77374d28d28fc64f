#!/usr/bin/env bash
# The embedding sample end to end: wssec secures a message, embed_verify
# (samples/embed_verify.c, linked against libwssec) checks it.
#
#   tests/cli/sample_embed.sh WSSEC_BINARY EMBED_VERIFY_BINARY PROJECT_ROOT
#
# embed_verify has no --now: it reads the system clock, so the message is
# secured with the system clock too (a Timestamp valid for 300 s).
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 WSSEC_BINARY EMBED_VERIFY_BINARY PROJECT_ROOT" >&2
    exit 2
fi
WSSEC=$1
EMBED=$2
ROOT=$3
for b in "$WSSEC" "$EMBED"; do
    if [ ! -x "$b" ]; then
        echo "$0: $b is not an executable" >&2
        exit 2
    fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/wssec-embed.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

# check NAME WANT_EXIT STDOUT_REGEX MESSAGE
check() {
    local name=$1 want=$2 re=$3 msg=$4 status why=""
    "$EMBED" "$ROOT/samples/users" <"$msg" >"$TMP/$name.out" 2>"$TMP/$name.err"
    status=$?
    [ "$status" = "$want" ] || why="exit $status, expected $want"
    grep -Eq -- "$re" "$TMP/$name.out" || why="${why:+$why; }stdout does not match /$re/"
    if [ -z "$why" ]; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: $why"
        sed 's/^/    | /' "$TMP/$name.out" "$TMP/$name.err"
        failed=$((failed + 1))
    fi
}

if ! "$WSSEC" secure --timestamp --username alice --password-file "$ROOT/samples/alice.pw" \
    -o "$TMP/msg.xml" "$ROOT/samples/hello.xml"; then
    echo "FAIL secure: wssec secure failed"
    echo "0 passed, 2 failed"
    exit 1
fi
# The same message with its password digest replaced by another one.
sed 's|\(#PasswordDigest">\)[^<]*<|\1AAAAAAAAAAAAAAAAAAAAAAAAAAA=<|' "$TMP/msg.xml" >"$TMP/tampered.xml"
if cmp -s "$TMP/msg.xml" "$TMP/tampered.xml"; then
    echo "FAIL tamper: the password digest was not found in the secured message"
    echo "0 passed, 2 failed"
    exit 1
fi

check accepted 0 '^accepted: caller alice$' "$TMP/msg.xml"
check tampered 1 '^rejected: .*wsse:FailedAuthentication' "$TMP/tampered.xml"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
