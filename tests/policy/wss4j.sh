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

# 4. symmetric binding, Basic256Sha256: the service's certificate wraps the session key (a
# thumbprint reference), HMAC-SHA256 over Body and Timestamp, the Body encrypted, the client's
# certificate endorses the HMAC signature (EndorsingSupportingTokens); 5. the same with
# derived keys (WS-SecureConversation DerivedKeyTokens)
srv=(--key-p12 "$pki/server.p12" --key-p12-pw "$pki/server.p12.pw")
dec=(--decrypt-key "$pki/server.key" --decrypt-cert "$pki/server.crt")
for P in samples/policy/symmetric-endorsing.xml samples/policy/symmetric-derived-keys.xml; do
    dk=false
    case $P in *derived*) dk=true ;; esac
    "$WSSEC" secure --policy $P "${alice[@]}" --encrypt-cert "$pki/server.crt" samples/hello.xml >"$out/s4.xml"
    check "wssec($P) -> wss4j" 0 peer consume --in "$out/s4.xml" --trust "$pki/root.crt" \
        --certs "$pki/inter.crt" "${srv[@]}" \
        --require timestamp,hmac-signature,encrypted,endorsing-signature --body-contains ACME
    grep -q 'DerivedKeyToken' "$out/s4.xml"; [ $? = $([ $dk = true ] && echo 0 || echo 1) ] ||
        { echo "FAIL: wssec($P): DerivedKeyToken presence, expected $dk"; fail=1; }
    peer produce --in samples/hello.xml --out "$out/j4.xml" --actions timestamp,sign,encrypt,endorse \
        --symmetric true --derived-keys $dk --enc-cert "$pki/server.crt" --enc-key-id thumbprint \
        --enc-alg aes256-cbc --sign-p12 "$pki/alice.p12" --sign-p12-pw "$pki/alice.p12.pw"
    # WSS4J prepends: its endorsing signature comes before the HMAC signature it covers, which
    # Strict forbids (naming the layout); the same policy with a Lax layout accepts it
    check "wss4j -> wssec($P): Strict refused" 1 "$WSSEC" verify --policy $P "${trust[@]}" \
        "${dec[@]}" "$out/j4.xml"
    grep -q "policy assertion sp:Layout/sp:Strict" "$out/last.err" || { echo "FAIL: not the layout"; fail=1; }
    sed 's|<sp:Strict/>|<sp:Lax/>|' $P >"$out/lax.xml"
    check "wss4j -> wssec($P, Lax)" 0 "$WSSEC" verify --policy "$out/lax.xml" "${trust[@]}" \
        "${dec[@]}" "$out/j4.xml"
    # without the endorsement: refused. WSS4J signs, then encrypts the Body in AES-CBC, so no
    # signature vouches for the ciphertext: every rejection of such a message reads "decryption
    # failed" (no padding oracle); wssec's own unendorsed message (CLI case 364) names
    # sp:EndorsingSupportingTokens/sp:X509Token
    peer produce --in samples/hello.xml --out "$out/j4b.xml" --actions timestamp,sign,encrypt \
        --symmetric true --derived-keys $dk --enc-cert "$pki/server.crt" --enc-key-id thumbprint \
        --enc-alg aes256-cbc
    check "wss4j not endorsed -> wssec($P, Lax): refused" 1 "$WSSEC" verify --policy "$out/lax.xml" \
        "${trust[@]}" "${dec[@]}" "$out/j4b.xml"
    grep -q "wsse:FailedCheck: decryption failed" "$out/last.err" ||
        { echo "FAIL: not the blinded decryption failure"; fail=1; }
done

# 6. the symmetric binding's response (samples/policy/symmetric-quotes.wsdl, GetQuote's output):
# keyed by the request's session key (EncryptedKeySHA1), endorsed by the service's certificate
Q=samples/policy/symmetric-quotes.wsdl
sed 's|<sp:Strict/>|<sp:Lax/>|' $Q >"$out/lax.wsdl"
srvsig=(--sign-key "$pki/server.key" --sign-cert "$pki/server.crt")
# wssec the client, WSS4J the service
"$WSSEC" secure --policy $Q --policy-message input "${alice[@]}" --encrypt-cert "$pki/server.crt" \
    --session-key-out "$out/req.key" samples/hello.xml >"$out/s6.xml"
check "wssec($Q input) -> wss4j" 0 peer consume --in "$out/s6.xml" --trust "$pki/root.crt" \
    --certs "$pki/inter.crt" "${srv[@]}" --require timestamp,hmac-signature,encrypted,endorsing-signature \
    --body-contains ACME --session-key-out "$out/j-svc.key"
peer produce --in samples/hello.xml --out "$out/j6.xml" --actions timestamp,sign,encrypt,endorse \
    --session-key "$out/j-svc.key" --enc-alg aes256-cbc --sign-p12 "$pki/server.p12" \
    --sign-p12-pw "$pki/server.p12.pw" --key-id issuer-serial
check "wss4j response -> wssec($Q output, Lax)" 0 "$WSSEC" verify --policy "$out/lax.wsdl" \
    --policy-message output "${trust[@]}" --certs "$pki/server.crt" --session-key "$out/req.key" "$out/j6.xml"
grep -q ACME "$out/last.out" || { echo "FAIL: the response's Body"; fail=1; }
"$WSSEC" secure --policy $Q --policy-message input "${alice[@]}" --encrypt-cert "$pki/server.crt" \
    --session-key-out "$out/other.key" samples/hello.xml >/dev/null
check "wss4j response, another request's key -> wssec($Q output): refused" 1 "$WSSEC" verify \
    --policy "$out/lax.wsdl" --policy-message output "${trust[@]}" --certs "$pki/server.crt" \
    --session-key "$out/other.key" "$out/j6.xml"
# WSS4J the client, wssec the service
peer produce --in samples/hello.xml --out "$out/j6r.xml" --actions timestamp,sign,encrypt,endorse \
    --symmetric true --enc-cert "$pki/server.crt" --enc-key-id thumbprint --enc-alg aes256-cbc \
    --sign-p12 "$pki/alice.p12" --sign-p12-pw "$pki/alice.p12.pw" --session-key-out "$out/j-req.key"
check "wss4j request -> wssec($Q input, Lax)" 0 "$WSSEC" verify --policy "$out/lax.wsdl" \
    --policy-message input "${trust[@]}" "${dec[@]}" --session-key-out "$out/svc.key" "$out/j6r.xml"
"$WSSEC" secure --policy $Q --policy-message output "${srvsig[@]}" --session-key "$out/svc.key" \
    samples/hello.xml >"$out/s6r.xml"
check "wssec($Q output) response -> wss4j" 0 peer consume --in "$out/s6r.xml" --trust "$pki/root.crt" \
    --certs "$pki/inter.crt" --certs "$pki/server.crt" --session-key "$out/j-req.key" \
    --require timestamp,hmac-signature,encrypted,endorsing-signature --body-contains ACME
check "wssec($Q output) response -> wssec($Q output)" 0 "$WSSEC" verify --policy $Q \
    --policy-message output "${trust[@]}" --certs "$pki/server.crt" --session-key "$out/svc.key" "$out/s6r.xml"

exit $fail
