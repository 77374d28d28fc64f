#!/usr/bin/env bash
# WS-SecurityPolicy against WSS4J 1.6: messages wssec secures under the sample
# policies are verified by the Java peer of tests/interop configured the
# same way (its actions, algorithms and requirements), and the peer's
# messages are verified by wssec under the policies.
#
#   tests/policy/wss4j.sh [WSSEC]        (from the project root; default build/wssec)
#
# Needs what tests/interop/run-matrix.sh needs for its Java peer (the JDK and
# Debian's WSS4J jars). Prints one line per check; exits 1 when one failed,
# 2 when a prerequisite is missing.
set -u
WSSEC=${1:-build/wssec}
[ -x "$WSSEC" ] || { echo "no wssec at $WSSEC" >&2; exit 2; }
command -v javac >/dev/null || { echo "javac missing (openjdk-17-jdk-headless)" >&2; exit 2; }
jars=(wss4j.jar xmlsec.jar commons-logging.jar commons-codec.jar slf4j-api.jar slf4j-nop.jar)
for j in "${jars[@]}"; do
    [ -r "/usr/share/java/$j" ] || { echo "/usr/share/java/$j missing" >&2; exit 2; }
done
cp=$(printf '/usr/share/java/%s:' "${jars[@]}"); cp=${cp%:}
out=$(mktemp -d "${TMPDIR:-/tmp}/wssec-policy-wss4j.XXXXXX")
trap 'rm -rf "$out"' EXIT
javac -nowarn -Xlint:none -encoding UTF-8 -d "$out/java" -cp "$cp" tests/interop/java/WssPeer.java || exit 2
peer() { java -cp "$out/java:$cp" WssPeer "$@" 2>>"$out/peer.log"; }

pki=samples/pki
trust=(--trust "$pki/root.crt" --certs "$pki/inter.crt")
alice=(--sign-key "$pki/alice.key" --sign-cert "$pki/alice.crt")
fail=0
check() { # NAME EXPECTED-EXIT COMMAND...
    local name=$1 want=$2
    shift 2
    "$@" >"$out/last.out" 2>"$out/last.err"
    local got=$?
    if [ "$got" = "$want" ]; then echo "ok $name"
    else echo "FAIL $name: exit $got, expected $want: $(tail -c 300 "$out/last.err")"; fail=1; fi
}

# 1. asymmetric, Basic256Sha256, SignedParts Body, IncludeTimestamp, Strict
P=samples/policy/asymmetric-sign.xml
"$WSSEC" secure --policy $P "${alice[@]}" samples/hello.xml >"$out/s1.xml"
check "wssec($P) -> wss4j" 0 peer consume --in "$out/s1.xml" --trust "$pki/root.crt" \
    --certs "$pki/inter.crt" --require timestamp,signature --body-contains ACME
# WSS4J 1.6 prepends every token: its Timestamp ends up after the Signature that signs it,
# which Strict forbids: refused, naming the layout ...
peer produce --in samples/hello.xml --out "$out/j1.xml" --actions timestamp,sign \
    --sign-p12 "$pki/alice.p12" --sign-p12-pw "$pki/alice.p12.pw" --key-id bst \
    --sign-alg rsa-sha256 --digest-alg sha256
check "wss4j -> wssec($P): Strict refused" 1 "$WSSEC" verify --policy $P "${trust[@]}" "$out/j1.xml"
grep -q "policy assertion sp:Layout/sp:Strict" "$out/last.err" || { echo "FAIL: not the layout"; fail=1; }
# ... and accepted under the same policy without a Layout (the first alternative of
# two-alternatives.xml)
check "wss4j -> wssec(two-alternatives)" 0 "$WSSEC" verify --policy samples/policy/two-alternatives.xml \
    "${trust[@]}" "$out/j1.xml"
# rsa-sha1 under Basic256Sha256: refused
peer produce --in samples/hello.xml --out "$out/j1b.xml" --actions timestamp,sign \
    --sign-p12 "$pki/alice.p12" --sign-p12-pw "$pki/alice.p12.pw" --key-id bst \
    --sign-alg rsa-sha1 --digest-alg sha1
check "wss4j rsa-sha1 -> wssec(two-alternatives)" 1 "$WSSEC" verify \
    --policy samples/policy/two-alternatives.xml "${trust[@]}" "$out/j1b.xml"

# 2. asymmetric with EncryptedParts Body, Basic128Sha256 (aes128-cbc, rsa-oaep, issuer-serial)
P=samples/policy/asymmetric-encrypt.xml
"$WSSEC" secure --policy $P "${alice[@]}" --encrypt-cert "$pki/server.crt" samples/hello.xml >"$out/s2.xml"
check "wssec($P) -> wss4j" 0 peer consume --in "$out/s2.xml" --trust "$pki/root.crt" \
    --certs "$pki/inter.crt" --key-p12 "$pki/server.p12" --key-p12-pw "$pki/server.p12.pw" \
    --require timestamp,signature,encrypted --body-contains ACME
peer produce --in samples/hello.xml --out "$out/j2.xml" --actions timestamp,sign,encrypt \
    --sign-p12 "$pki/alice.p12" --sign-p12-pw "$pki/alice.p12.pw" --key-id bst \
    --sign-alg rsa-sha256 --digest-alg sha256 --enc-cert "$pki/server.crt" --enc-alg aes128-cbc \
    --enc-key-id issuer-serial
dec=(--decrypt-key "$pki/server.key" --decrypt-cert "$pki/server.crt")
# WSS4J's Timestamp comes last (it prepends): LaxTsFirst refuses it, naming the layout ...
check "wss4j -> wssec($P): LaxTsFirst refused" 1 "$WSSEC" verify --policy $P "${trust[@]}" \
    "${dec[@]}" "$out/j2.xml"
grep -q "policy assertion sp:Layout/sp:LaxTsFirst" "$out/last.err" || { echo "FAIL: not the layout"; fail=1; }
# ... and the rest of the policy (its configuration file: algorithms, signed and encrypted
# Body, signed Timestamp) accepts it
"$WSSEC" policy config $P >"$out/p2.conf.xml"
check "wss4j -> wssec(policy config $P)" 0 "$WSSEC" verify -c "$out/p2.conf.xml" "${trust[@]}" \
    "${dec[@]}" "$out/j2.xml"

# 3. UsernameToken over TLS (PasswordText)
P=samples/policy/ut-over-tls.xml
"$WSSEC" secure --policy $P --username alice --password-file samples/alice.pw samples/hello.xml >"$out/s3.xml"
check "wssec($P) -> wss4j" 0 peer consume --in "$out/s3.xml" --users samples/users \
    --require timestamp,ut-text --body-contains ACME
peer produce --in samples/hello.xml --out "$out/j3.xml" --actions timestamp,ut --user alice \
    --password-file samples/alice.pw --pw-type text
check "wss4j -> wssec($P)" 0 "$WSSEC" verify --policy $P --users samples/users "$out/j3.xml"
peer produce --in samples/hello.xml --out "$out/j3b.xml" --actions timestamp,ut --user alice \
    --password-file samples/alice.pw --pw-type digest
check "wss4j digest -> wssec($P): refused" 1 "$WSSEC" verify --policy $P --users samples/users "$out/j3b.xml"

exit $fail
